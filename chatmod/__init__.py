"""chatmod: a second pair of eyes for hashtag chats."""

__version__ = "0.1.0"
