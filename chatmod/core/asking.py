"""Provides rule 3: does a text ask for an answer, or only sound like it does?

A question or a request (for help, advice, a link, an opinion) calls for an answer, with or
without a question mark. Rhetorical and agreement-seeking lines ("aren't we all?", "who knew
this could be fun?!", "right?") and polls of the room ("anyone else use Flipgrid?") do not.
Nor does an exclamation shaped as a question ("where did the hour go?!": "?!" says so), or one
asked of oneself about one's own past ("why didn't I join sooner??"). A report of what one did,
learnt or means to do ("I need to learn git", "we use X, so I've been building Y") is a
statement, whatever "how" or "need" it contains; only asking to be told is a request.

A request is made of whoever it names: "if anyone has written for X, I'd love to hear from you,
please DM me" asks the room, so its requests are not the host's to answer (a question put to the
host in the same message still is). "This could help me remember" is a hope, not "help me". A
wondering told in the past ("I was curious if there was a neater way", "ok, thanks, I was just
wondering…") reports a state of mind; it asks only when it is put to someone ("I was wondering if
you could share the slides").

A question needs no "?": its shape asks. A wh-word with an inverted verb, or an auxiliary or modal
verb before its subject, whatever the subject ("is the recording going to be posted", "will the
slides be shared after", "do you use rubrics"), asks. A polite wish to be given something ("would
appreciate a pointer to the slides", "I'd welcome a link") is a request. A negative question about
what was just said ("isn't that the ideal?", "doesn't this make sense?") and "who would've
thought?" seek agreement, not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

__all__ = ["asks"]

_URLS = re.compile(r"https?://\S+|www\.\S+")
_TAGS_AND_HANDLES = re.compile(r"[#＃@＠](?:[\w\-.@]*\w)?")
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?\n]+|$)")
# Lower-case text to its a-z words, as bytes: the C-level translate is 3x faster than a regex.
_TO_WORDS = bytes(code if 97 <= code <= 122 else 32 for code in range(256))


class _Phrases:
    """Phrase patterns, each tried only when one of its key words occurs in the text.

    One big alternation re-tries every branch at every position (15 µs on a tweet); looking
    the words up first skips nearly all of them. Each key must be a word the pattern cannot
    match without (the text is lower-cased and split on anything but a-z: "don't" gives
    "don" and "t").
    """

    def __init__(self, *entries: tuple[str, str]) -> None:
        self._by_key: dict[bytes, list[re.Pattern[str]]] = {}
        for keys, pattern in entries:
            compiled = re.compile(pattern, re.VERBOSE)
            for key in keys.encode("ascii").split():
                self._by_key.setdefault(key, []).append(compiled)
        self._keys = frozenset(self._by_key)

    def search(self, text: str, words: AbstractSet[bytes]) -> bool:
        """Whether a phrase occurs in ``text`` (lower case); ``words`` holds at least its words."""
        keys = self._keys.intersection(words)
        if not keys:
            return False
        tried: set[re.Pattern[str]] = set()
        for key in keys:
            for pattern in self._by_key[key]:
                if pattern not in tried:
                    if pattern.search(text):
                        return True
                    tried.add(pattern)
        return False


_RHETORICAL = _Phrases(
    # A tag at the end asks for agreement: "it's all about trust, right?"
    ("right eh no huh innit yeah know lol haha isn wasn don didn amirite am ready yes",
     r"""(?:^|[,;:\-–—])\s*(?:right|eh|no|huh|innit|yeah|ya\s+know|you\s+know|lol|haha|isn'?t\s+it
        |wasn'?t\s+it|don'?t\s+you\s+think|didn'?t\s+(?:we|they|you|it)|amirite|am\s+i\s+right
        |ready|yes)\s*$"""),
    ("all", r"\b(?:aren'?t|don'?t)\s+we\s+all\b"),
    # A negative question about what was just said asks for agreement.
    ("isn aren wasn weren doesn don didn",
     r"\b(?:isn'?t|aren'?t|wasn'?t|weren'?t|doesn'?t|don'?t|didn'?t)\s+(?:that|this|these|those)\b"),
    ("knew", r"\bwho\s+knew\b"),
    ("who", r"\bwho\s+(?:doesn'?t|wouldn'?t|isn'?t|hasn'?t|can'?t|couldn'?t)\b"),
    ("not", r"\bwhat'?s\s+not\s+to\s+(?:love|like)\b"),
    ("how", r"""\bhow\s+(?:cool|awesome|great|fun|amazing|neat|sweet|crazy|wild|lucky)\s+(?:is|was|are)
        \s+(?:that|this)\b"""),
    ("wrong", r"\bwhat\s+could\s+(?:possibly\s+)?go\s+wrong\b"),
    ("thought guessed known", r"\bwho\s+(?:would|could)(?:\s+have|'?ve|\s+of)\s+(?:thought|guessed|known)\b"),
    ("believe", r"\bcan\s+you\s+believe\b"),
    ("guess", r"\bguess\s+what\b"),
    ("know", r"\byou\s+know\s+what\b"),
    ("about", r"\bhow\s+about\s+that\b"),
    ("just", r"\bis\s+it\s+just\s+me\b"),
    ("up", r"\bwhat'?s\s+up\s+with\s+that\b"),
    ("time", r"\bwhere\s+did\s+the\s+time\s+go\b"),
    ("with", r"\bwho'?s\s+with\s+me\b"),
    ("did", r"\bsee\s+what\s+i\s+did\b"),
    # Asking oneself about one's own past: nobody else can answer "why didn't I join sooner??".
    ("didn did was", r"\b(?:why|how)\s+(?:didn'?t|did)\s+i\b|\bwhat\s+was\s+i\s+thinking\b|\bwhere\s+was\s+i\b"),
    # A hedge is not a question: "desmos works offline? I think?"
    ("why remember right think guess believe hope maybe probably perhaps",
     r"""^\s*(?:why\s+not|remember\s+when|right|i\s+think|i\s+guess|i\s+believe|i\s+hope|maybe
        |probably|perhaps)\s*$"""),
)
# A poll of the room asks everyone but the host for an answer.
_ROOM = _Phrases(
    ("else", r"^\s*(?:anyone|anybody|who)\s+else\b|\b(?:anyone|anybody|everyone|everybody)\s+else\s*\??\s*$"),
    ("about", r"^\s*(?:what|how)\s+about\s+(?:you\s+all|y'?all|everyone|everybody|others|the\s+rest)\b"),
    ("raise show", r"^\s*(?:raise\s+your\s+hand|show\s+of\s+hands)"),
    ("only", r"\bam\s+i\s+the\s+only\s+one\b"),
)
# A request put to whoever answers: "if anyone has used X, I'd love to hear from you".
_ANYONE = _Phrases(
    ("anyone anybody someone somebody",
     r"\bif\s+(?:anyone|anybody|someone|somebody)\b|\b(?:anyone|anybody)\s+(?:out\s+there|in\s+the)\b"),
)
# A wondering told in the past reports a state of mind, unless it is put to someone.
_PAST_WONDERING = re.compile(
    r"\b(?:was|were)\s+(?:just\s+|only\s+|really\s+)?(?:wondering|curious)\b(?!\s+(?:if|whether)\s+"
    r"(?:you|u|y'?all|anyone|anybody|someone)\b)"
)
# Requests: help, advice, a link, an opinion.
_REQUEST = _Phrases(
    ("share send post link explain tell recommend point help clarify elaborate expand drop dm repost show",
     r"""\b(?:please|pls|plz|can\s+you|could\s+you|would\s+you|will\s+you|mind)\s+(?:\w+\s+)?
        (?:share|send|post|link|explain|tell|recommend|point|help|clarify|elaborate|expand|drop|dm
        |repost|show)"""),
    ("love", r"""\b(?:i'?d|i\s+would|would)\s+love\s+(?:to\s+(?:hear|know|learn|see|get)|your
        |a\s+(?:link|copy|list)|some|any|more)"""),
    ("wondering curious",
     r"\b(?:wondering|curious)\s+(?:if|whether|what|how|why|where|when|which|who|about|to)\b"),
    ("wonder", r"\bi\s+wonder\s+(?:if|whether|what|how|why|where|when|which|who)\b"),
    ("know", r"""\b(?:don'?t|do\s+not|dont)\s+know\s+(?:where\s+to\s+(?:start|begin)|how\s+to
        |what\s+to\s+do)"""),
    ("sure", r"\bnot\s+sure\s+(?:where\s+to\s+(?:start|begin)|how\s+to|what\s+to\s+do)"),
    ("start begin", r"\bwhere\s+do\s+i\s+(?:even\s+)?(?:start|begin)\b"),
    ("stuck lost", r"\bi'?m\s+(?:so\s+|really\s+|totally\s+)?(?:stuck|lost)\b"),
    # Asking to be told; "I need to learn git" says what one means to do, and asks nothing.
    ("know hear", r"\b(?:would\s+like|want|wanted|need)\s+to\s+(?:know|hear)\b"),
    ("looking", r"""\blooking\s+for\s+(?:a|an|some|any|advice|tips|ideas|recommendations|resources
        |help)\b"""),
    ("any", r"""\bany\s+(?:tips|advice|recommendations?|suggestions?|resources?|links?|ideas|pointers
        |books?)\b"""),
    ("help advice tips ideas guidance",
     r"\b(?:need|could\s+use|want)\s+(?:some\s+|any\s+)?(?:help|advice|tips|ideas|guidance)\b"),
    # "help me …" asked of someone; "this can help me remember" is a hope.
    ("me", r"""(?:^\s*(?:\w+\s+)?|\b(?:please|pls|plz|someone|anyone|somebody|can\s+(?:you|someone|anyone)
        |could\s+(?:you|someone|anyone))\s+)(?:help|point)\s+me\b"""),
    ("tell", r"\btell\s+(?:me|us)\s+(?:more|about(?!\s+it\b)|how|what|why)|\bdo\s+tell\b"),
    ("think recommend suggest use", r"\bwhat\s+do\s+you\s+(?:think|recommend|suggest|use)\b"),
    ("your", r"\byour\s+(?:thoughts|take|opinion|advice|recommendation)\b"),
    ("there", r"\b(?:is|was)\s+there\s+a\s+(?:link|recording|video|replay|transcript|recap|place|way)\b"),
    ("where", r"\bwhere\s+(?:can|do|should|could)\s+(?:i|we|one)\s+(?:find|get|see|read|watch|learn|start)\b"),
    ("share send", r"\b(?:share|send)\s+(?:the|that|your)\s+(?:link|slides|deck|recording|resource|doc|list)\b"),
    ("link links", r"\blinks?\s+(?:to|for)\s+(?:the|that|your|it)\b"),
    ("please", r"\bhow\s+to\b.*\bplease\b"),
    # A polite wish to be given something: "would appreciate a pointer", "I'd welcome a link".
    ("appreciate welcome grateful",
     r"""\b(?:would|i'?d|i\s+would|we'?d|we\s+would)\s+(?:really\s+|so\s+|much\s+)?(?:appreciate|welcome
        |be\s+grateful\s+for)\s+(?:a|an|any|some|the|your|it\s+if|if)\b"""),
)
# A wh-word with an inverted verb asks wherever it stands: "... 😳 how do you find out ...?"
_WH_INVERSION = _Phrases(
    ("how what why where when which",
     r"""\b(?:how|what|why|where|when|which)\s+(?:do|does|did|can|could|would|should|will|is|are)
        \s+(?:you|u|i|we|they|people|teachers)\b"""),
)
# Interrogative openings that ask even without "?": "how do you handle grading".
_INTERROGATIVE = re.compile(
    r"""^\s*(?:(?:so|and|but|also|ok|okay|hey|quick\s+q(?:uestion)?|question|q)[\s,:\-–—]+)*
    (?:(?:how|what|why|where|when|which|who)(?:'s|\s+(?:do|does|did|is|are|was|were|would|should
        |could|can|will|have|has|kind|sort|type|tools?|apps?|advice|tips?|resources?|books?))\b
      |(?:do|does|did|can|could|would|will|should|have|has|are|is)\s+(?:you|u|we|i|there|it|that|this|anyone)\b
      |(?:do|does|did|can|could|would|will|should|shall|may|might|are|is|has|have)\s+
        (?:the|your|our|my|their|his|her|its|these|those|this|that)\s+\w+
      |any\s+(?:tips|advice|recommendations?|suggestions?|resources?|links?|ideas|thoughts|pointers|books?|chance|idea|plans?|word)\b
      |thoughts\s+on\b|opinions?\s+on\b|(?:your\s+)?thoughts\s*$)""",
    re.VERBOSE,
)
# Clauses shaped like a question: a wh-word or an inverted verb up front, or "you?".
_ASKING_CLAUSE = re.compile(
    r"""^\s*(?:(?:so|and|but|or|also|ok|okay|hey|then)[\s,]+)*
    (?:(?:how|what|why|where|when|which|who|whose)\b
      |(?:is|are|am|was|were|do|does|did|can|could|would|will|should|shall|may|might|have|has)\s+\w
      |(?:and\s+)?(?:you|u|y'?all|yours)\s*$)""",
    re.VERBOSE,
)
_CLAUSES = re.compile(r"[,;:\-–—…+&]+|\.\.+|[\U0001F000-\U0001FAFF\u2600-\u27BF]+")
_WH_WORDS = frozenset({"how", "what", "why", "where", "when", "which", "who", "whose", "you", "u", "and"})


def asks(text: str, answering: bool = False) -> bool:
    """Whether ``text`` (a message body, @-block removed) asks for an answer.

    ``answering``: the text answers a host question (it carries an ``An`` tag). An answer often
    ends a statement with "?" to sound tentative ("desmos has an offline mode? I think?"); there
    only a clause shaped like a question ("is that ok??") or a request asks the host anything.
    """
    text = text.lower()
    if "http" in text or "www." in text:
        text = _URLS.sub(" ", text)
    if "#" in text or "@" in text or "＃" in text or "＠" in text:
        text = _TAGS_AND_HANDLES.sub(" ", text)
    words = frozenset(text.encode("ascii", "replace").translate(_TO_WORDS).split())
    sentences = _SENTENCES.findall(text)
    last = len(sentences) - 1
    # Requests in a message that asks "anyone" are the room's.
    requests = not _ANYONE.search(text, words)
    for index, sentence in enumerate(sentences):
        if "?" not in sentence and _PAST_WONDERING.search(sentence):
            continue
        if _sentence_asks(sentence, words, answering, index == last, requests):
            return True
    return False


def _sentence_asks(sentence: str, words: frozenset[bytes], answering: bool, last: bool, requests: bool = True) -> bool:
    stripped = sentence.strip()
    if not stripped:
        return False
    if "?" in stripped:
        core = stripped.rstrip("?!. ")
        if not core:
            return False
        if "?!" in stripped or "!?" in stripped:
            # An exclamation shaped as a question ("where did the hour go?!") expects no answer.
            return _REQUEST.search(core, words)
        room = _ROOM.search(core, words)
        if room or _RHETORICAL.search(core, words):
            return not room and _REQUEST.search(core, words)
        # "honestly? I worry..." leads into a statement; "why?" on its own still asks.
        if not last and " " not in core and core not in _WH_WORDS:
            return False
        if answering:
            return (
                any(_ASKING_CLAUSE.match(clause) for clause in _CLAUSES.split(core))
                or _WH_INVERSION.search(core, words)
                or _REQUEST.search(core, words)
            )
        return True
    if _ROOM.search(stripped, words):
        return False
    return _INTERROGATIVE.match(stripped) is not None or (requests and _REQUEST.search(stripped, words))
