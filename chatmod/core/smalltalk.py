"""Provides the test for small talk: a message that only greets, thanks, praises or says goodbye.

"Thanks @host!", "Hi all, Mike from Ohio checking in #chat", "Great chat, see you next week 👋"
are balls (they speak to the host team), and a host is glad of them, but none needs an answer.
A follow-up list that lists them hides the few that do, so it folds them into a count.

The rule, as a host would state it: set aside handles, hashtags, links, emoji and punctuation;
what is left is small talk when it holds a pleasantry and otherwise only the words that carry
pleasantries ("so much", "see you next week", "for hosting") and at most two names. One word of
substance ("thanks for the tip on Pester") makes it a message worth a look.
"""

from __future__ import annotations

import re

__all__ = ["small_talk", "social"]

_PLEASANTRIES = frozenset(
    ["thanks", "thank", "thankyou", "thanx", "thnx", "thx", "tx", "ty", "tysm", "tyvm", "cheers", "hi", "hey", "heya", "hello", "hiya", "howdy", "yo", "welcome", "morning", "afternoon", "evening", "night", "gm", "congrats", "congratulations", "kudos", "bravo", "bye", "goodbye", "cya", "later", "soon", "great", "good", "nice", "awesome", "fun", "amazing", "excellent", "fantastic", "wonderful", "brilliant", "cool", "love", "loved", "enjoyed", "enjoy", "glad", "happy", "pleasure", "lol", "haha", "hahaha", "lmao", "wow", "yay", "woohoo", "hooray", "agreed", "exactly", "absolutely", "definitely", "indeed", "true", "same", "yes", "yeah", "yep", "ok", "okay", "sure", "noted"]
)
"""Words that make a message a pleasantry on their own (acknowledgements too: "agreed!")."""

_CARRIERS = frozenset(
    ["a", "an", "the", "and", "or", "to", "for", "of", "on", "in", "at", "it", "its", "it's", "this", "that", "so", "very", "much", "too", "as", "always", "again", "all", "both", "everyone", "everybody", "everybody's", "folks", "yall", "y'all", "guys", "team", "friends", "you", "your", "you're", "u", "ur", "ya", "i", "i'm", "im", "i've", "ive", "we", "we're", "us", "our", "me", "my", "was", "is", "be", "been", "being", "are", "am", "were", "will", "see", "next", "week", "weeks", "month", "time", "times", "chat", "chats", "session", "hosting", "host", "hosts", "having", "joining", "join", "joined", "here", "there", "back", "checking", "in", "from", "just", "again", "today", "tonight", "as", "usual", "always", "another", "one", "today's", "this", "week's", "how", "doing", "going", "what's", "up", "well", "all's", "everyone's", "oh", "really", "truly", "such", "lovely", "catch", "catching", "up", "have", "had", "weekend", "day", "bit", "sounds", "got", "know", "that's", "thats"]
)
"""Words that only carry a pleasantry: who it is for, when, how much."""

_NAME_ALLOWANCE = 2
_SET_ASIDE = re.compile(r"(?:[@＠#＃]\S+|https?://\S+|www\.\S+)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


_SOCIAL = frozenset(
    ["thanks", "thank", "thankyou", "thanx", "thnx", "thx", "tx", "ty", "tysm", "tyvm", "cheers", "hi", "hey", "heya", "hello", "hiya", "howdy", "yo", "welcome", "morning", "afternoon", "evening", "night", "gm", "bye", "goodbye", "cya", "later"]
)
"""The pleasantries that greet, thank or take leave (not praise or agreement, which take up
what was said)."""


def small_talk(text: str) -> bool:
    """Whether ``text`` only greets, thanks, praises or says goodbye (see the module's rule)."""
    return _pleasantry(text) is not None


def social(text: str) -> bool:
    """Whether ``text`` only greets, thanks or takes leave: small talk that responds to no one's
    point (so it belongs to no question of the chat), unlike praise or agreement."""
    found = _pleasantry(text)
    return found is not None and bool(found & _SOCIAL)


def _pleasantry(text: str) -> frozenset[str] | None:
    """The pleasantries of a small-talk text, or None when it is not small talk."""
    words = _WORD.findall(_SET_ASIDE.sub(" ", text))
    if not words:
        return None  # only handles, tags or links: not a pleasantry, and maybe a link to look at
    pleasantries: set[str] = set()
    names = 0
    for word in words:
        folded = word.casefold().replace("’", "'")
        if folded in _PLEASANTRIES:
            pleasantries.add(folded)
        elif folded in _CARRIERS:
            continue
        elif word[0].isupper() and names < _NAME_ALLOWANCE:
            names += 1
        else:
            return None
    return frozenset(pleasantries) if pleasantries else None
