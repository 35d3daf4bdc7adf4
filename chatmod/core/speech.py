"""Provides the reading of how a text uses a handle: spoken to, spoken about, or credited.

"thanks @host", "curious, @host, how do you..." and "what do you think, @host?" speak TO the
host; "I think @host covered that" speaks ABOUT them; "RT @host:", "via @host" and "cc @host"
only credit or copy them. Rule 2 of DESIGN.md turns on the difference.
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
    r"|p\.?s\.?)[\s,]*)?$",
    re.IGNORECASE,
)
_END_AFTER = re.compile(
    r"^[\s.,!?:;)\]…~\-–—'\"’”]*(?:(?:[#＃][^\s#＃]+|https?://\S+|[\U0001F000-\U0001FAFF\u2600-\u27BF"
    r"\u200d\ufe0f\u2764]+)[\s.,!?:;)\]…]*)*$"
)
_VOCATIVE_AFTER = re.compile(r"^\s*(?:[,:!?]|[-–—]\s)")
_LIST_BEFORE = re.compile(r"[@＠][^\s,]+\s*(?:,|and|&)?\s*$", re.IGNORECASE)
_PLURAL = re.compile(
    r"\b(?:you\s+both|you\s+two|both\s+of\s+you|you\s+guys|y'?all|you\s+all|all\s+of\s+you"
    r"|thank\s+you\s+both|thanks\s+both|thanks\s+all|thanks\s+everyone|you\s+folks)\b",
    re.IGNORECASE,
)


def voice_of(text: str, start: int, end: int, previous: Voice | None = None) -> Voice:
    """How ``text`` uses the handle at ``text[start:end]``.

    Args:
        text: the body of the message (after its leading @-block).
        start, end: the span of the handle, ``@`` included.
        previous: the voice of the handle just before this one, so that lists
            ("thanks @a and @b", "via @a, @b") read as one.
    """
    before = text[max(0, start - 60) : start]
    after = text[end : end + 60]
    if _ATTRIBUTION_BEFORE.search(before):
        return Voice.ATTRIBUTION
    if previous is not None and _LIST_BEFORE.search(before):
        return previous
    if _GREETING_BEFORE.search(before) or _ASKING_BEFORE.search(before):
        return Voice.DIRECT
    if _THIRD_AFTER.match(after):
        return Voice.THIRD
    if _SENTENCE_START.search(before):
        return Voice.DIRECT
    if before.rstrip().endswith(","):
        return Voice.DIRECT
    if _VOCATIVE_AFTER.match(after) or _END_AFTER.match(after):
        return Voice.THIRD if _PREPOSITION_BEFORE.search(before) else Voice.DIRECT
    if _SECOND_PERSON_AFTER.match(after) and not _PREPOSITION_BEFORE.search(before):
        return Voice.DIRECT
    return Voice.THIRD


def plural_address(text: str) -> bool:
    """Whether the text speaks to several people at once ("you both", "thanks all")."""
    return _PLURAL.search(text) is not None
