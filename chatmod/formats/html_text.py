"""Provides html_to_text: a Mastodon status's HTML as plain text, with no markup left in it."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Newlines a block owes the text that follows it: paragraphs are separated by a blank line,
# list items and other blocks by a line break.
_BLOCKS = {
    "p": 2, "blockquote": 2, "pre": 2, "ul": 1, "ol": 1, "li": 1, "div": 1,
    "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2,
}
_HIDDEN = frozenset(("script", "style"))
_WITH_ATTRS = frozenset(("a", "span"))
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_AROUND_NEWLINE = re.compile(r" *\n *")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_ANY_TAG = re.compile(r"<[^>]*>?")
# The well-formed subset Mastodon emits, tokenised without html.parser (about three times
# faster); anything else (comments, declarations, script, stray "<") takes the full parser.
_ATTR = r"""[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
_TOKEN = re.compile(
    rf"<([a-zA-Z][a-zA-Z0-9]*)((?:\s+{_ATTR})*)\s*(/?)>|</([a-zA-Z][a-zA-Z0-9]*)\s*>|([^<]+)"
)
_ATTRS = re.compile(
    r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_HIDDEN_BLOCK = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)",
                           re.IGNORECASE | re.DOTALL)


class _Link:
    __slots__ = ("href", "parts", "shortened")

    def __init__(self, href: str | None) -> None:
        self.href = href
        self.parts: list[str] = []
        self.shortened = False


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.owed = 0
        self.hidden = 0
        self.pre = 0
        self.saw_pre = False
        self.link: _Link | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self._put("\n")
        elif tag == "a":
            self._end_link()
            self.link = _Link(dict(attrs).get("href"))
        elif tag == "span":
            classes = (dict(attrs).get("class") or "").split()
            # Mastodon shortens a URL's visible text with these spans; the href is the link.
            if self.link is not None and ("invisible" in classes or "ellipsis" in classes):
                self.link.shortened = True
        elif tag in _BLOCKS:
            self.owed = max(self.owed, _BLOCKS[tag])
            if tag == "pre":
                self.pre += 1
                self.saw_pre = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN:  # <script/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "a":
            self._end_link()
        elif tag in _BLOCKS:
            self.owed = max(self.owed, _BLOCKS[tag])
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.pre:
            data = _SPACE.sub(" ", data)
        if self.link is not None:
            self.link.parts.append(data)
        else:
            self._put(data)

    def _end_link(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        if link.shortened and link.href:
            self._put(link.href)
        else:
            self._put("".join(link.parts))

    def _put(self, text: str) -> None:
        if self.link is not None:
            self.link.parts.append(text)
            return
        if self.owed:
            if not text.strip(" "):
                return  # whitespace between blocks is not content
            if self.out:
                self.out.append("\n" * self.owed)
            self.owed = 0
            if not self.pre:
                text = text.lstrip(" ")
        self.out.append(text)

    def text(self) -> str:
        self._end_link()
        text = "".join(self.out)
        if not self.saw_pre:
            text = _AROUND_NEWLINE.sub("\n", text)
        return text.strip()


def html_to_text(html: str) -> str:
    """Plain text of ``html``: ``<br>`` and blocks become line breaks, entities are decoded,
    script and style content is dropped, and shortened links show their full href."""
    if "<" not in html and "&" not in html:
        return _SPACE.sub(" ", html).strip()
    fast = _tokenised(html)
    return fast if fast is not None else _parsed(html)


def _parsed(html: str) -> str:
    html = _without_cut_tag(html)
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError, TypeError, AttributeError, RecursionError):
        # html.parser still has crash paths on malformed declarations ("<![if x[" raises
        # AssertionError); a blunt tag strip is better than losing the message.
        return _fallback(html)
    return parser.text()


def _tokenised(html: str) -> str | None:
    """The text of ``html`` if it is all plain tags and text, else None."""
    parser = _TextParser()
    pos = 0
    for m in _TOKEN.finditer(html):
        if m.start() != pos:
            return None  # a "<" that starts no plain tag
        pos = m.end()
        start_tag, attr_text, self_closing, end_tag, data = m.groups()
        if data is not None:
            parser.handle_data(unescape(data) if "&" in data else data)
        elif end_tag is not None:
            parser.handle_endtag(end_tag.lower())
        else:
            tag = start_tag.lower()
            if tag in _HIDDEN:
                return None
            # Only links and spans have attributes that change the text.
            attrs: list[tuple[str, str | None]] = [
                (name.lower(), _attr_value(dq, sq, bare))
                for name, dq, sq, bare in _ATTRS.findall(attr_text)
            ] if attr_text and tag in _WITH_ATTRS else []
            if self_closing:
                parser.handle_startendtag(tag, attrs)
            else:
                parser.handle_starttag(tag, attrs)
    return parser.text() if pos == len(html) else None


def _attr_value(double: str, single: str, bare: str) -> str:
    value = double or single or bare
    return unescape(value) if "&" in value else value


def _without_cut_tag(html: str) -> str:
    # html.parser hands a tag cut off at the end of the input back as text; drop it.
    cut = _TAG_START.search(html, html.rfind(">") + 1)
    return html if cut is None else html[: cut.start()]


def _fallback(html: str) -> str:
    text = _HIDDEN_BLOCK.sub(" ", html)
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</p\s*>\s*<p\b[^>]*>", "\n\n", text)
    text = unescape(_ANY_TAG.sub("", text))
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.split("\n")).strip()
