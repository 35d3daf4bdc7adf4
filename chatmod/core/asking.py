"""Provides rule 3: does a text ask for an answer, or only sound like it does?

A question or a request (for help, advice, a link, an opinion) calls for an answer, with or
without a question mark. Rhetorical and agreement-seeking lines ("aren't we all?", "who knew
this could be fun?!", "right?") and polls of the room ("anyone else use Flipgrid?") do not.
"""

from __future__ import annotations

import re

__all__ = ["asks"]

_URLS = re.compile(r"https?://\S+|www\.\S+")
_TAGS_AND_HANDLES = re.compile(r"(?<![\w&])[#＃@＠](?:[\w\-.@]*\w)?")
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?\n]+|$)")

_RHETORICAL = re.compile(
    r"""
    (?:^|[,;:\-–—])\s*(?:right|eh|no|huh|innit|yeah|ya\s+know|you\s+know|lol|haha|isn'?t\s+it
        |wasn'?t\s+it|don'?t\s+you\s+think|didn'?t\s+(?:we|they|you|it)|amirite|am\s+i\s+right
        |ready|yes)\s*$
    |\b(?:aren'?t\s+we\s+all|don'?t\s+we\s+all
    |isn'?t\s+(?:that|it|this)\s+(?:the\s+(?:dream|truth|best|goal|way|whole\s+point)|great|something|amazing
        |cool|wonderful|awesome|funny|wild|lovely|the\s+best)
    |who\s+knew|who\s+(?:doesn'?t|wouldn'?t|isn'?t|hasn'?t|can'?t|couldn'?t)\b|what'?s\s+not\s+to\s+(?:love|like)
    |how\s+(?:cool|awesome|great|fun|amazing|neat|sweet|crazy|wild|lucky)\s+(?:is|was|are)\s+(?:that|this)
    |what\s+could\s+(?:possibly\s+)?go\s+wrong|who\s+would\s+have\s+(?:thought|guessed)
    |can\s+you\s+believe|guess\s+what|you\s+know\s+what|how\s+about\s+that|is\s+it\s+just\s+me
    |what'?s\s+up\s+with\s+that|where\s+did\s+the\s+time\s+go|who'?s\s+with\s+me|see\s+what\s+i\s+did)\b
    |^\s*(?:why\s+not|remember\s+when|right|i\s+think|i\s+guess|i\s+believe|i\s+hope|maybe|probably
        |perhaps)\s*$
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A poll of the room asks everyone but the host for an answer.
_ROOM = re.compile(
    r"^\s*(?:anyone|anybody|who)\s+else\b|\b(?:anyone|anybody|everyone|everybody)\s+else\s*\??\s*$"
    r"|^\s*(?:what\s+about|how\s+about)\s+(?:you\s+all|y'?all|everyone|everybody|others|the\s+rest)\b"
    r"|^\s*(?:raise\s+your\s+hand|show\s+of\s+hands)",
    re.IGNORECASE,
)
# Interrogative openings that ask even without "?": "how do you handle grading".
_INTERROGATIVE = re.compile(
    r"""^\s*(?:(?:so|and|but|also|ok|okay|hey|quick\s+q(?:uestion)?|question|q)[\s,:\-–—]+)*
    (?:(?:how|what|why|where|when|which|who)(?:'s|\s+(?:do|does|did|is|are|was|were|would|should
        |could|can|will|have|has|kind|sort|type|tools?|apps?|advice|tips?|resources?|books?))\b
      |(?:do|does|did|can|could|would|will|should|have|has|are|is)\s+(?:you|u|we|i|there|it|that|this|anyone)\b
      |any\s+(?:tips|advice|recommendations?|suggestions?|resources?|links?|ideas|thoughts|pointers|books?|chance|idea|plans?|word)\b
      |thoughts\s+on\b|opinions?\s+on\b|(?:your\s+)?thoughts\s*$)""",
    re.IGNORECASE | re.VERBOSE,
)
# Requests: help, advice, a link, an opinion.
_REQUEST = re.compile(
    r"""\b(?:(?:please|pls|plz|can\s+you|could\s+you|would\s+you|will\s+you|mind)\s+(?:\w+\s+)?
        (?:share|send|post|link|explain|tell|recommend|point|help|clarify|elaborate|expand|drop|dm|repost|show)
      |(?:i'?d|i\s+would|would)\s+love\s+(?:to\s+(?:hear|know|learn|see|get)|your|a\s+(?:link|copy|list)|some|any|more)
      |(?:i'?m\s+|i\s+am\s+|just\s+)?(?:wondering|curious)\s+(?:if|whether|what|how|why|where|when|which|who|about|to)
      |\bi\s+wonder\s+(?:if|whether|what|how|why|where|when|which|who)
      |(?:don'?t|do\s+not|dont)\s+know\s+(?:where\s+to\s+(?:start|begin)|how\s+to|what\s+to\s+do)
      |not\s+sure\s+(?:where\s+to\s+(?:start|begin)|how\s+to|what\s+to\s+do)
      |where\s+do\s+i\s+(?:even\s+)?(?:start|begin)|i'?m\s+(?:so\s+|really\s+|totally\s+)?(?:stuck|lost)\b
      |(?:would\s+like|want|wanted|need)\s+to\s+(?:know|hear|learn)|looking\s+for\s+(?:a|an|some|any|advice|tips|ideas|recommendations|resources|help)
      |any\s+(?:tips|advice|recommendations?|suggestions?|resources?|links?|ideas|pointers|books?)\b
      |(?:need|could\s+use|want)\s+(?:some\s+|any\s+)?(?:help|advice|tips|ideas|guidance)
      |(?:help|point)\s+me\b|tell\s+(?:me|us)\s+(?:more|about(?!\s+it\b)|how|what|why)|do\s+tell\b
      |what\s+do\s+you\s+(?:think|recommend|suggest|use)|your\s+(?:thoughts|take|opinion|advice|recommendation)\b
      |(?:is|was)\s+there\s+a\s+(?:link|recording|video|replay|transcript|recap|place|way)
      |where\s+(?:can|do|should|could)\s+(?:i|we|one)\s+(?:find|get|see|read|watch|learn|start)
      |(?:share|send)\s+(?:the|that|your)\s+(?:link|slides|deck|recording|resource|doc|list)
      |(?:link|links)\s+(?:to|for)\s+(?:the|that|your|it)\b|how\s+to\b.*\bplease)""",
    re.IGNORECASE | re.VERBOSE,
)


# Clauses shaped like a question: a wh-word or an inverted verb up front, or "you?".
_ASKING_CLAUSE = re.compile(
    r"""^\s*(?:(?:so|and|but|or|also|ok|okay|hey|then)[\s,]+)*
    (?:(?:how|what|why|where|when|which|who|whose)\b
      |(?:is|are|am|was|were|do|does|did|can|could|would|will|should|shall|may|might|have|has)\s+\w
      |(?:and\s+)?(?:you|u|y'?all|yours)\s*$)""",
    re.IGNORECASE | re.VERBOSE,
)
_CLAUSES = re.compile(r"[,;:\-–—…+&]+|\.\.+|[\U0001F000-\U0001FAFF\u2600-\u27BF]+")
# A wh-word with an inverted verb asks wherever it stands: "... 😳 how do you find out ...?"
_WH_INVERSION = re.compile(
    r"\b(?:how|what|why|where|when|which)\s+(?:do|does|did|can|could|would|should|will|is|are)"
    r"\s+(?:you|u|i|we|they|people|teachers)\b",
    re.IGNORECASE,
)
_WH_WORDS = frozenset({"how", "what", "why", "where", "when", "which", "who", "whose", "you", "u", "and"})


def asks(text: str, answering: bool = False) -> bool:
    """Whether ``text`` (a message body, @-block removed) asks for an answer.

    ``answering``: the text answers a host question (it carries an ``An`` tag). An answer often
    ends a statement with "?" to sound tentative ("desmos has an offline mode? I think?"); there
    only a clause shaped like a question ("is that ok??") or a request asks the host anything.
    """
    text = _URLS.sub(" ", text)
    if "#" in text or "@" in text or "＃" in text or "＠" in text:
        text = _TAGS_AND_HANDLES.sub(" ", text)
    sentences = _SENTENCES.findall(text)
    last = len(sentences) - 1
    for index, sentence in enumerate(sentences):
        if _sentence_asks(sentence, answering, index == last):
            return True
    return False


def _sentence_asks(sentence: str, answering: bool, last: bool) -> bool:
    stripped = sentence.strip()
    if not stripped:
        return False
    if "?" in stripped:
        core = stripped.rstrip("?!. ")
        if not core:
            return False
        if _RHETORICAL.search(core) or _ROOM.search(core):
            return _REQUEST.search(core) is not None and _ROOM.search(core) is None
        # "honestly? I worry..." leads into a statement; "why?" on its own still asks.
        if not last and " " not in core and core.lower() not in _WH_WORDS:
            return False
        if answering:
            clauses = _CLAUSES.split(core)
            return (
                any(_ASKING_CLAUSE.match(c) for c in clauses)
                or _WH_INVERSION.search(core) is not None
                or _REQUEST.search(core) is not None
            )
        return True
    if _ROOM.search(stripped):
        return False
    return _INTERROGATIVE.match(stripped) is not None or _REQUEST.search(stripped) is not None
