"""The HTML page: self-contained, readable, and inert whatever the chat said."""

from __future__ import annotations

from html.parser import HTMLParser

from conftest import hostile_chat

from chatmod.report import render


class Page(HTMLParser):
    """Records tags, attributes, and the text seen inside and outside ``<bdi>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.bdi_depth = 0
        self.inside_bdi: list[str] = []
        self.outside_bdi: list[str] = []
        self.stack: list[str] = []
        self.text_by_tag: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "bdi":
            self.bdi_depth += 1
        if tag not in ("meta", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "bdi":
            self.bdi_depth -= 1
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        (self.inside_bdi if self.bdi_depth else self.outside_bdi).append(data)
        if self.stack:
            self.text_by_tag.setdefault(self.stack[-1], []).append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_one_self_contained_page(small):
    out = render(small, "html")
    assert out.startswith("<!DOCTYPE html>\n")
    page = parse(out)
    names = [tag for tag, _ in page.tags]
    assert ("meta", {"charset": "utf-8"}) in page.tags
    assert "".join(page.text_by_tag["title"]) == "#chat recap — Tuesday 5 March 2024"
    assert names.count("style") == 1 and "script" not in names and "link" not in names
    assert not any(k in ("src", "srcset") for _, attrs in page.tags for k in attrs)
    assert "prefers-color-scheme: dark" in out and "max-width: 900px" in out and "system-ui" in out
    assert "Content-Security-Policy" in out and "default-src 'none'" in out
    assert "@import" not in out and "url(" not in out


def test_same_sections_in_the_same_order(small):
    page = parse(render(small, "html"))
    assert page.text_by_tag["h2"] == [
        "Dropped balls — follow up", "Answered", "Recap by question", "Host response time",
        "Top participants", "Community",
    ]
    out = render(small, "html")
    assert out.index('class="ball dropped question"') < out.index('class="ball dropped comment"')
    assert out.index('class="ball dropped comment"') < out.index('class="ball answered"')


def test_dropped_questions_are_highlighted_and_figures_shown(small):
    out = render(small, "html")
    assert ".ball.dropped.question {" in out  # the highlight rule is on the page
    assert '<span class="waited">waited 11m</span> (until the chat ended)' in out
    assert 'answered by <bdi>@mshost</bdi> in <span class="response">1m</span>' in out
    assert "6 answers · 3 participants · 4:00 long · 1 late · 1 of 2 balls dropped" in out
    late = '<bdi class="text">A1 late one: peer review #chat</bdi> <span class="late">late</span>'
    assert late in out
    assert (
        "20% of the conversation ran between participants (1 of 5 exchanges): some cross-talk."
    ) in out
    assert "Median 1m, worst 1m; answered within 5 minutes: 1 of 1." in out


def test_top_participants_table_rows_in_rank_order(small):
    out = render(small, "html")
    table = out[out.index("<th>Participant</th>"):]
    assert table.index("@bob") < table.index("@carol") < table.index("@dave") < table.index("@eve")
    assert "<tbody>" in table


def test_several_sessions_get_their_own_sections(multi):
    page = parse(render(multi, "html"))
    assert page.text_by_tag["h2"] == [
        "Session 1 — Tuesday 5 March 2024", "Session 2 — Tuesday 12 March 2024",
    ]
    assert page.text_by_tag["h3"].count("Dropped balls — follow up") == 2
    assert "Median response" in page.text_by_tag["th"]


def test_hostile_text_is_escaped_and_isolated():
    out = render(hostile_chat().report(), "html")
    page = parse(out)
    assert "<script" not in out.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;i&gt;csi&lt;/i&gt;" in out  # a display name
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert not any("javascript" in h.lower() for h in hrefs)
    assert "https://x.example/a%22onmouseover=%22alert%281%29" in hrefs
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag not in ("img", "i", "b", "div") or (tag == "div" and attrs.get("class"))
    # Every piece of chat text sits inside <bdi>: the RLO cannot leak into the page.
    assert any("\u202e" in text for text in page.inside_bdi)
    assert not any("\u202e" in text for text in page.outside_bdi)
    assert "\u202e" not in "".join(page.text_by_tag.get("title", []))
    assert any("[@click=app.quit]z[/]" in text for text in page.inside_bdi)
    assert any('=HYPERLINK("http://x")' in text for text in page.inside_bdi)


def test_a_huge_message_folds_behind_details():
    out = render(hostile_chat().report(), "html")
    assert "<summary>Full text (5,008 characters)</summary>" in out


def test_quiet_sessions_fold_into_one_line():
    from conftest import small_chat

    chat = small_chat()
    chat.say(24 * 3600, "bob", "anyone around? #chat")
    page = parse(render(chat.report(), "html"))
    assert page.text_by_tag["h2"] == ["Session 1 — Tuesday 5 March 2024"]
    assert any("Not shown: 1 quiet session" in t for t in page.text_by_tag["p"])
