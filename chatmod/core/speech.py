"""Provides the reading of how a text uses a handle: spoken to, spoken about, or credited.

"thanks @host", "curious, @host, how do you..." and "what do you think, @host?" speak TO the
host; "I think @host covered that" speaks ABOUT them; "RT @host:", "via @host" and "cc @host"
only credit or copy them. Rule 2 of DESIGN.md turns on the difference.

A handle in the run of tags that closes a message (after a hashtag: "A4: peer feedback #chat
@chataccount"; before a link: "... @chataccount #chat https://…") tags the account the way a
hashtag tags a topic: it is
spoken to only when the words around it speak to it ("thanks @host #chat", "what next, @host
#chat", a question put in the second person before the run).

The handle's place in the sentence decides, not the punctuation around it: a handle that starts
a sentence (after an interjection: "So @host what's your take", "Hey @host!"), that is put a
question ("@host are you in Ohio?", "Honest question @host do you..."), or that labels what
follows ("Quick one for @host: ...") is spoken to; one that is the subject or object of a
statement ("@host is right", "agree with @host: ...") is spoken about.
"""

from __future__ import annotations

import re
from enum import Enum

__all__ = ["Voice", "plural_address", "voice_of"]


class Voice(Enum):
    """How a text uses one handle it contains."""

    DIRECT = "direct"
    THIRD = "third"
    ATTRIBUTION = "attribution"


_ATTRIBUTION_BEFORE = re.compile(
    r"(?:^|[\s(\[])(?:rt|mt|via|ht|h/t|hat\s?tip(?:\s+to)?|/?cc|c/o|credit(?:\s+to)?|credits?"
    r"|by|from|per|courtesy\s+of|source|thx\s+to\s+@\w+\s+and)\s*[:\-–—]?\s*$",
    re.IGNORECASE,
)
_GREETING_BEFORE = re.compile(
    r"(?:^|[\s,.!?(])(?:thanks|thank\s+you|thank\s+u|thankyou|thnx|thx|tx|ty|tysm|tyvm|cheers"
    r"|hi|hey|hello|hiya|howdy|yo|welcome(?:\s+back)?|(?:good\s+)?(?:morning|afternoon|evening)"
    r"|congrats|congratulations|kudos|props|bravo|hats\s+off|shout\s?-?outs?|big\s+ups"
    r"|(?:great|good|nice|excellent|fantastic|awesome|fun|amazing)\s+(?:question|q|qs|questions"
    r"|point|idea|one|chat|job|topic|stuff|session|work|hosting|convo|conversation)"
    r"|well\s+said|love\s+(?:this|it|that)|agreed|exactly|absolutely|same\s+to\s+you|you\s+too"
    r"|and\s+you|(?:quick\s+)?(?:q|question|qs|questions)\s+(?:for|to)|sorry|miss\s+you"
    r"|see\s+(?:you|ya)|bye|goodbye|happy\s+\w+)"
    r"(?:\s+(?:so\s+much|again|all|very\s+much|a\s+lot|a\s+ton|to|for|both|too|today|tonight"
    r"|as\s+always|this\s+(?:morning|afternoon|evening|week)))*[\s,:!.\-–—]*$",
    re.IGNORECASE,
)
# Asking a handle for their view: "what do you think @host?" (not "I think @host covered it").
_ASKING_BEFORE = re.compile(
    r"\b(?:what|how)\s+(?:do|did|would|will)\s+(?:you|u)\s+(?:think|say|feel|reckon|suggest|recommend|do)"
    r"\s*[,:\-–—]*\s*$|\b(?:what|how)\s+about\s+(?:you|u)\s*[,:\-–—]*\s*$|\b(?:your\s+)?thoughts\s*[,:\-–—]*\s*$",
    re.IGNORECASE,
)
# Words after which a handle is the object of a sentence about someone ("agree with @host").
_PREPOSITION_BEFORE = re.compile(
    r"(?:^|\s)(?:with|to|at|of|about|like|than|for|from|by|per|on|in|as|into|over|under|after"
    r"|before|follow|following|followed|ask|asked|see|seen|saw|tag|tagged|check\s+out|read"
    r"|reading|heard|love|loves|loved|met|know|knows|knew|watch|watching|listen\s+to|is|was"
    r"|are|were|and\s+i|me\s+and|when|if|because|that|think|thought|said|says)\s*$",
    re.IGNORECASE,
)
_THIRD_AFTER = re.compile(
    r"^(?:['’]s?\b|\s+(?:is|isn't|was|wasn't|has|hasn't|had|said|says|mentioned|covered|wrote"
    r"|writes|posted|posts|shared|shares|just|did|does|doesn't|will|won't|would|made|makes|knows"
    r"|thinks|thought|talked|talks|gave|gives|asked|asks|tweeted|tweets|hosts|hosted|always"
    r"|never|also|and\s+i|and\s+me|are|were|&\s+i|recommended|recommends|suggested|suggests"
    r"|taught|teaches|showed|shows|uses|used|likes|liked|loves|loved|noted|notes|put|puts"
    r"|explained|explains|nailed|nails|knows|brought|brings|runs|ran|who|which|that)\b)",
    re.IGNORECASE,
)
_SECOND_PERSON_AFTER = re.compile(
    r"^[\s,:;\-–—!]*(?:you|your|you're|youre|you've|you'll|you'd|yours|u|ur|do\s+you|did\s+you"
    r"|can\s+you|could\s+you|would\s+you|will\s+you|have\s+you|are\s+you|what|how|why|where"
    r"|when|which|is\s+there|are\s+there|any|please|pls|plz|thanks|thank|ty|thx|i|i'm|i've|i'd"
    r"|im|we|my|great|love|loved|agree|yes|yep|no|so|totally|absolutely|congrats|welcome|hi"
    r"|hey|hello|just|quick|question|q)\b",
    re.IGNORECASE,
)
_SENTENCE_START = re.compile(
    r"(?:^|[.!?:;\n)\]…]|[\U0001F300-\U0001FAFF\u2600-\u27BF])\s*"
    r"(?:(?:so|and\s+so|ok|okay|well|but|also|oh|hey|btw|now|anyway|yes|no|lol|haha|and|plus"
    r"|p\.?s\.?|seriously|honestly|wait|wow|omg|ooh|aw|yay|yeah|yup|ugh|hmm)[\s,]*)?$",
    re.IGNORECASE,
)
_END_AFTER = re.compile(
    r"^[\s.,!?:;)\]…~\-–—'\"’”]*(?:(?:[#＃][^\s#＃]+|https?://\S+|[\U0001F000-\U0001FAFF\u2600-\u27BF"
    r"\u200d\ufe0f\u2764]+)[\s.,!?:;)\]…]*)*$"
)
_VOCATIVE_AFTER = re.compile(r"^\s*(?:[,:!?]|[-–—]\s)")
# The closing run of tags, handles and links a message ends with, and whether a handle is in
# one with a hashtag or a link (a handle alone at the end is a sentence's last word).
_RUN_AFTER = re.compile(
    r"^[\s.,!?:;)\]…]*(?:(?:[#＃@＠][^\s#＃@＠]+|https?://\S+|[\U0001F000-\U0001FAFF\u2600-\u27BF"
    r"\u200d\ufe0f\u2764]+)[\s.,!?:;)\]…]*)*$"
)
_TAG_BEFORE = re.compile(r"(?:[#＃][^\s#＃]+|https?://\S+|[@＠][^\s@＠]+)[\s]*$")
_LINK_IN = re.compile(r"https?://")
_YOU_ASKED = re.compile(r"\b(?:you|your|u|ur|y'?all)\b[^?]*\?", re.IGNORECASE)
# A question put to the handle: "@host are you in Ohio?" (unlike "@host is in Ohio").
_ASKED_AFTER = re.compile(
    r"^[\s,]*(?:are|were|do|did|can|could|would|will|have|had|should)\s+(?:you|u)\b", re.IGNORECASE
)
# "Quick one for @host:", "a question to @host:": what follows the colon is for them.
_LABEL_AFTER = re.compile(r"^\s*:")
_LIST_BEFORE = re.compile(r"[@＠][^\s,]+\s*(?:,|and|&)?\s*$", re.IGNORECASE)
_PLURAL = re.compile(
    r"\b(?:you\s+both|you\s+two|both\s+of\s+you|you\s+guys|y'?all|you\s+all|all\s+of\s+you"
    r"|thank\s+you\s+both|thanks\s+both|thanks\s+all|thanks\s+everyone|you\s+folks)\b",
    re.IGNORECASE,
)


class _Ending:
    """A phrase that must end right before the handle, searched for only when the last word
    before the handle is one it can end with. The searches are anchored at the end, so ``re``
    tries every start position: skipping them is what keeps a long message cheap."""

    def __init__(self, last_words: str, pattern: re.Pattern[str]) -> None:
        self.last_words = frozenset(last_words.split())
        self.pattern = pattern

    def ends(self, before: str, last: str) -> bool:
        return last in self.last_words and self.pattern.search(before) is not None


_TRAILING = " \t\n\r,:;!.-–—"
_MODIFIERS = "much again all lot ton to for both too today tonight always morning afternoon evening week"
_ATTRIBUTION = _Ending(
    "rt mt via ht h/t tip to cc /cc c/o credit credits by from per of source and", _ATTRIBUTION_BEFORE
)
_GREETING = _Ending(
    "thanks thank thankyou thnx thx tx ty tysm tyvm cheers hi hey hello hiya howdy yo welcome back "
    "morning afternoon evening congrats congratulations kudos props bravo off shoutout shoutouts "
    "shout-out shout-outs out outs ups q qs question questions point idea one chat job topic stuff "
    f"session work hosting convo conversation said this it that agreed exactly absolutely you ya "
    f"sorry bye goodbye {_MODIFIERS}",
    _GREETING_BEFORE,
)
_ASKING = _Ending("think say feel reckon suggest recommend do you u thoughts", _ASKING_BEFORE)
_PREPOSITION = _Ending(
    "with to at of about like than for from by per on in as into over under after before follow "
    "following followed ask asked see seen saw tag tagged out read reading heard love loves loved "
    "met know knows knew watch watching is was are were i and when if because that think thought "
    "said says",
    _PREPOSITION_BEFORE,
)
_INTERJECTIONS = frozenset(
    ["so", "ok", "okay", "well", "but", "also", "oh", "hey", "btw", "now", "anyway", "yes", "no", "lol", "haha", "and", "plus", "p.s", "p.s.", "ps",
     "seriously", "honestly", "wait", "wow", "omg", "ooh", "aw", "yay", "yeah", "yup", "ugh", "hmm"]
)
_BOUNDARY = frozenset(".!?:;\n)]…")


def _last_words(before: str) -> tuple[str, str]:
    """The last word before a handle (trailing punctuation dropped, lower case), and the one before it."""
    words = before.rstrip(_TRAILING).rsplit(None, 2)
    last = words[-1].lstrip("([").lower() if words else ""
    return last, words[-2].lower() if len(words) > 1 else ""


def _starts_sentence(before: str) -> bool:
    raw = before.rstrip()
    if not raw:
        return True
    end = raw[-1]
    if end in _BOUNDARY or "\U0001F300" <= end <= "\U0001FAFF" or "\u2600" <= end <= "\u27BF":
        return True
    last = raw.rsplit(None, 1)[-1].rstrip(",").lower()
    return last in _INTERJECTIONS and _SENTENCE_START.search(before) is not None


_DOMAIN_DOTS = re.compile(r"@[\w\-]+(?:[.@][\w\-]+)+")


def _undotted(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "_")


def voice_of(text: str, start: int, end: int, previous: Voice | None = None) -> Voice:
    """How ``text`` uses the handle at ``text[start:end]``.

    Args:
        text: the body of the message (after its leading @-block).
        start, end: the span of the handle, ``@`` included.
        previous: the voice of the handle just before this one, so that lists
            ("thanks @a and @b", "via @a, @b") read as one.
    """
    before = text[max(0, start - 60) : start]
    # Nothing before the sentence's own start bears on how it uses the handle, and a short
    # window keeps the end-anchored searches below cheap (each tries every position).
    # A dot inside a handle ("@host.bsky.social", "@host@mastodon.social") ends no sentence.
    stops = _DOMAIN_DOTS.sub(_undotted, before) if "." in before and "@" in before else before
    cut = max(stops.rfind("."), stops.rfind("!"), stops.rfind("?"), stops.rfind("\n"))
    if cut > 0:
        before = before[cut:]
    after = text[end : end + 60]
    last, second = _last_words(before)
    if _ATTRIBUTION.ends(before, last):
        return Voice.ATTRIBUTION
    if previous is not None and _LIST_BEFORE.search(before):
        return previous
    if _GREETING.ends(before, last) or (second == "happy" and _GREETING_BEFORE.search(before)):
        return Voice.DIRECT
    if _ASKING.ends(before, last):
        return Voice.DIRECT
    if _ASKED_AFTER.match(after):
        return Voice.DIRECT
    if _THIRD_AFTER.match(after):
        return Voice.THIRD
    if _starts_sentence(before):
        return Voice.DIRECT
    if before.rstrip().endswith(","):
        return Voice.DIRECT
    if _in_closing_run(before, after):
        return Voice.DIRECT if _YOU_ASKED.search(text[:start]) else Voice.ATTRIBUTION
    if _VOCATIVE_AFTER.match(after) or _END_AFTER.match(after):
        if last in ("for", "to") and _LABEL_AFTER.match(after):
            return Voice.DIRECT
        return Voice.THIRD if _PREPOSITION.ends(before, last) else Voice.DIRECT
    if _SECOND_PERSON_AFTER.match(after) and not _PREPOSITION.ends(before, last):
        return Voice.DIRECT
    return Voice.THIRD


def _in_closing_run(before: str, after: str) -> bool:
    """Whether the handle is among the tags that close the message: after a hashtag or a link
    (or a handle that is), or before a link. A handle that ends the words and is followed only
    by the chat's hashtag ("happy to share @host #chat") is the sentence's last word."""
    if not _RUN_AFTER.match(after):
        return False
    return _TAG_BEFORE.search(before) is not None or _LINK_IN.search(after) is not None


def plural_address(text: str) -> bool:
    """Whether the text speaks to several people at once ("you both", "thanks all")."""
    return _PLURAL.search(text) is not None
