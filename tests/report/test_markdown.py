"""The Markdown recap: what a host reads, in the order they need it, and safe to post."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from conftest import HOSTILE, Chat, hostile_chat, small_chat

from chatmod.report import render
from chatmod.report.render_md import human_duration, md, mmss, safe_url


def section(text: str, title: str) -> str:
    """The body of the ``## title`` section (up to the next heading of the same level)."""
    m = re.search(rf"^(#+) {re.escape(title)}(?: \(\d+\))?\n(.*?)(?=^\1 |\Z)", text, re.MULTILINE | re.DOTALL)
    assert m is not None, f"no section {title!r}"
    return m.group(2)


def test_title_and_summary_in_plain_words(small):
    out = render(small, "md")
    lines = out.splitlines()
    assert lines[0] == "# #chat recap — Tuesday 5 March 2024"
    assert lines[2] == (
        "14 messages from 4 participants between 17:00 and 17:15 UTC; 3 balls for the host "
        "team: 1 answered (median 1m), 2 dropped, 1 of them a question. 2 questions from the "
        "host team."
    )
    # One session: no per-session headings.
    assert "Session 1" not in out


def test_the_title_names_the_chat_never_the_file():
    chat = small_chat()
    report = chat.report(tag=None)
    report.source = "/home/me/archives/edchat-2024-03-05.jsonl"
    assert render(report, "md").startswith("# Chat recap — Tuesday 5 March 2024\n")


def test_without_a_tag_the_hashtag_most_messages_carry_names_the_chat():
    from chatmod.report.model import main_hashtag
    from tests.conftest import chat

    rows = [(f"m{i}", f"0:{i:02d}", "bob", f"A1 yes {'#EdChat' if i % 2 else '#edchat'} #fun" if i < 9 else "hi")
            for i in range(12)]
    messages = [m.model_copy(update={"hashtags": ("EdChat", "fun") if i < 9 and i % 2 else
                                     ("edchat", "fun") if i < 9 else ()}) for i, m in enumerate(chat(rows))]
    assert main_hashtag(messages) in ("edchat", "EdChat")
    assert main_hashtag(messages[9:]) is None


def test_sections_come_in_the_order_a_host_needs_them(small):
    out = render(small, "md")
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Dropped balls — follow up",
        "## Answered (1)",
        "## Recap by question",
        "## Host response time",
        "## Top participants",
        "## Community",
    ]


def test_dropped_questions_before_dropped_comments_before_answered(small):
    out = render(small, "md")
    carol = out.index("**@carol** · 17:04 UTC · Q1 · waited 11m (until the chat ended)")
    eve = out.index("**@eve** · 17:06 UTC · waited 8m 20s (until the chat ended)")  # thanks: in no question
    bob = out.index("**@bob** (Bob Builder) · 17:02 UTC · Q1")
    assert out.index("### Questions (1)") < carol < out.index("### Comments (1)") < eve < bob
    assert eve < out.index("## Answered") < bob
    # The dropped text is quoted, with its permalink on the item.
    assert "  > @mshost what about late work? #chat" in out
    assert "[link](https://twitter.com/carol/status/1008)" in out


def test_answered_ball_shows_who_answered_and_how_fast(small):
    answered = section(render(small, "md"), "Answered")
    assert answered.strip() == (
        "- **@bob** (Bob Builder) · 17:02 UTC · Q1 · “@mshost how do you grade? #chat” · "
        "answered by @mshost in 1m · [link](https://twitter.com/bob/status/1005) · "
        "[answer](https://twitter.com/mshost/status/1006)\n"
        "  ↳ @mshost: “@bob I use rubrics”"
    )


def test_answered_excerpt_is_at_most_140_characters():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Anything? #chat")
    chat.say(10, "bob", "@mshost " + "why " * 80 + "?")
    chat.say(90, "mshost", "@bob because")
    answered = section(render(chat.report(), "md"), "Answered")
    quoted = re.search(r"“(.*)”", answered)
    assert quoted is not None
    assert len(quoted.group(1)) <= 140 and quoted.group(1).endswith("…")
    assert "answered by @mshost in 1m 20s" in answered


def test_recap_by_question_has_figures_and_marks_late_answers(small):
    recap = section(render(small, "md"), "Recap by question")
    assert "2 messages came before Q1 (welcomes and introductions)." in recap
    q1 = section(recap, "Q1 · 17:01 UTC")
    assert "> Q1: How do you grade homework? #chat" in q1
    assert "*6 answers · 3 participants · 4:00 long · 1 late · 1 of 2 balls dropped*" in q1
    assert "- **@bob**: A1 I use points #chat" in q1
    assert "- **@dave**: A1 late one: peer review #chat *(late)*" in q1
    assert "(late)" not in q1.replace("peer review #chat *(late)*", "")
    q2 = section(recap, "Q2 · 17:05 UTC")
    # Eve's thanks, posted during Q2, answers no question: it is not counted there.
    assert "*2 answers · 2 participants · 10:00 long · 0 late · 0 dropped*" in q2


def test_host_response_time(small):
    body = section(render(small, "md"), "Host response time")
    assert body.strip() == "Median 1m, worst 1m; answered within 5 minutes: 1 of 1."


def test_top_participants_table_is_ranked_by_messages(small):
    body = section(render(small, "md"), "Top participants")
    rows = [line for line in body.splitlines() if line.startswith("| @")]
    assert rows == [
        "| @bob (Bob Builder) | 4 | 3 | 1 | 1 |",
        "| @carol | 3 | 3 | 1 | 1 |",
        "| @dave | 2 | 2 | 0 | 0 |",
        "| @eve | 1 | 0 | 1 | 0 |",  # her thanks answers no question
    ]


def test_community_share_with_its_interpretation(small):
    body = section(render(small, "md"), "Community")
    assert body.strip() == (
        "20% of the conversation ran between participants (1 of 5 exchanges): some cross-talk."
    )


@pytest.mark.parametrize(
    ("replies", "expected"),
    [(0, "mostly a broadcast through the host team"), (4, "a community talking to itself")],
)
def test_community_interpretation_follows_the_share(replies, expected):
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(10, "bob", "@mshost hello there")
    chat.say(20, "mshost", "@bob hi")
    for i in range(replies):
        author, text = ("carol", "@bob agreed") if i % 2 else ("dave", "@carol yes")
        chat.say(30 + i * 10, author, text)
    assert expected in section(render(chat.report(), "md"), "Community")


def test_burst_follow_ups_are_indented_under_their_first_message():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(60, "bob", "@mshost how do you handle retakes?")
    chat.say(70, "bob", "@mshost and also, what about late work?")
    out = render(chat.report(), "md")
    head = out.index("- **@bob** · 17:01 UTC · Q1 · posted as the chat ended")
    assert out.index("  > @mshost how do you handle retakes?") > head
    assert "\n  - ↳ @mshost and also, what about late work?\n" in out
    assert "1 dropped, 1 of them a question" not in out  # two balls, one point
    assert "2 dropped, 1 of them a question" in out


def test_nothing_dropped_says_so():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(10, "bob", "@mshost how?")
    chat.say(40, "mshost", "@bob like this")
    out = render(chat.report(), "md")
    assert "Nothing dropped: the host team answered every ball." in out
    assert "1 answered (median 30s), none dropped." in out


def test_several_sessions_get_an_overview_then_a_section_each(multi):
    out = render(multi, "md")
    assert out.startswith("# #chat recap — 2 sessions, 5 March 2024 to 12 March 2024\n")
    assert "| 1 | 5 March 2024 | 17:00–17:15 | 14 | 4 | 3 | 1 | 2 | 1m |" in out
    assert "| 2 | 12 March 2024 | 17:00–17:03 | 5 | 2 | 1 | 1 | 0 | 1m |" in out
    one = out.index("## Session 1 — Tuesday 5 March 2024")
    two = out.index("## Session 2 — Tuesday 12 March 2024")
    assert out.index("| Session |") < one < two
    session_two = out[two:]
    assert "### Dropped balls — follow up" in session_two
    assert "Nothing dropped: the host team answered every ball." in session_two
    assert "answered by @cohost in 1m" in session_two
    assert "#### Q1 · 17:00 UTC" in session_two


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (45.4, "45s"), (60, "1m"), (80, "1m 20s"), (65, "1m 05s"),
     (720, "12m"), (3599.6, "1h"), (3720, "1h 02m"), (7200 + 59 * 60 + 40, "3h"), (None, "–")],
)
def test_human_durations(seconds, text):
    assert human_duration(seconds) == text


def test_question_length_is_m_ss():
    assert mmss(240) == "4:00" and mmss(3725) == "62:05" and mmss(9.6) == "0:10"


# -- untrusted text ----------------------------------------------------------------------------


def test_escaping_leaves_no_markup_at_a_line_start():
    assert md("# heading") == "\\# heading"
    assert md("- item") == "\\- item"
    assert md("+ item") == "\\+ item"
    assert md("1. item") == "1\\. item"
    assert md("12) item") == "12\\) item"
    assert md("=== setext") == "\\=== setext"
    assert md("> quote") == "\\> quote"
    assert md("a\n\n# b\n    code") == "a # b code"  # one line: only its start matters
    assert md("\n\n  # b") == "\\# b"


def test_only_http_links_survive():
    assert safe_url("https://x.example/a b(c)") == "https://x.example/a%20b%28c%29"
    assert safe_url("HTTP://x.example") == "HTTP://x.example"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//x.example", "ftp://x", "", None,
                "https:///nohost", "vbscript:x"):
        assert safe_url(bad) is None, bad


def _html(markdown: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("gfm-like").enable("linkify").render(markdown)


def test_hostile_text_stays_literal_when_rendered():
    """Render the recap the way a blog or forum would (GFM with auto-links) and look."""
    out = render(hostile_chat().report(), "md")
    page = _html(out)
    hrefs = re.findall(r'<a href="([^"]*)"', page)
    # Every link is one of the messages' own permalinks.
    assert "https://twitter.com/xcsi/status/1002" in hrefs
    assert all(h.startswith(("https://twitter.com/", "https://x.example/")) for h in hrefs)
    assert not any("javascript" in h.lower() or "evil" in h or '"' in h for h in hrefs)
    # No image, raw HTML, code, strikethrough; bold is only ever our handles, emphasis only
    # ever our figures and "(late)" markers; headings only our own.
    for tag in ("<img", "<script", "<div", "<i>", "<code", "<pre", "<s>", "<del", "<th>a"):
        assert tag not in page, tag
    assert all(b.startswith("@") for b in re.findall(r"<strong>(.*?)</strong>", page))
    assert all(
        e == "(late)" or " answers · " in e or " answer · " in e
        for e in re.findall(r"<em>(.*?)</em>", page)
    )
    headings = re.findall(r"<h\d>(.*?)</h\d>", page)
    assert headings == [
        "#chat recap — Tuesday 5 March 2024", "Dropped balls — follow up", "Questions (3)",
        "Comments (15)", "Answered", "Recap by question", "Q1 · 17:00 UTC",
        "Host response time", "Top participants", "Community",
    ]
    assert page.count("<blockquote>") == 19  # 18 dropped balls and the question: nothing else
    # The hostile text shows literally to the reader.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "![img](http://x/y.png)" in page
    assert "[link](javascript:alert(1))" in page
    assert "[@click=app.quit]z[/]" in page
    assert "**bold** and _em_ and `code`" in page
    assert "&amp;lt;b&amp;gt; &amp;amp; &amp;#x2028;" in page
    assert "see https://evil.example/x and www.evil.example and me@evil.example" in page
    assert "# heading - list 1. ordered &gt; quote &lt;div&gt;raw&lt;/div&gt;" in page
    # Bidi overrides are dropped from plain Markdown (no element could isolate them).
    assert "\u202e" not in out and "abcdcba txt.exe" in out


def test_markdown_source_is_escaped_where_it_matters():
    out = render(hostile_chat().report(), "md")
    assert "\\<script\\>alert(1)\\</script\\>" in out
    assert "!\\[img\\](http\\://x/y.png)" in out
    assert "a \\| b \\| c" in out
    assert "  > \\=1+1 @mshost what now?" in out  # a line start inside the quote


def test_a_huge_message_is_quoted_in_part():
    out = render(hostile_chat().report(), "md")
    quote = next(line for line in out.splitlines() if line.startswith("  > @mshost long long"))
    assert len(quote) < 1100 and quote.endswith("…")
    assert max(len(line) for line in out.splitlines()) < 1200


def test_hostile_names_are_escaped_in_tables():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(10, "a|b", "A1 hi", display_name="x | y")
    body = section(render(chat.report(), "md"), "Top participants")
    row = next(line for line in body.splitlines() if line.startswith("| @"))
    assert row == "| @a\\|b (x \\| y) | 1 | 1 | 0 | 0 |"
    assert len(re.findall(r"(?<!\\)\|", row)) == 6


def test_every_hostile_sample_is_present():
    out = render(hostile_chat().report(), "md")
    for name in HOSTILE:
        assert f"**@x{name}**" in out


def test_quiet_sessions_fold_into_one_line():
    chat = small_chat()
    day = 24 * 3600
    chat.say(day, "bob", "anyone around? #chat")  # a stray post: its own session, nothing in it
    chat.say(2 * day, "carol", "see you next week #chat")
    out = render(chat.report(), "md")
    assert "# #chat recap — 3 sessions, 5 March 2024 to 7 March 2024" in out
    assert "## Session 1 — Tuesday 5 March 2024" in out
    assert "## Session 2" not in out and "\n| 2 | " not in out
    assert (
        "Not shown: 2 quiet sessions with no questions and no balls for the host team "
        "(2 messages in all)."
    ) in out


def test_carried_over_lists_every_question_and_the_first_comments() -> None:
    from datetime import datetime

    from chatmod.core.ledger import Ball, Status
    from chatmod.report.model import BallItem, Report
    from chatmod.report.render_md import CARRIED_COMMENTS_SHOWN, render_md

    at = datetime(2026, 1, 2, 18, tzinfo=UTC)

    def ball(n: int, question: bool) -> BallItem:
        dropped = Ball(str(n), f"p{n}", question, None, 1, at, status=Status.DROPPED)
        return BallItem(dropped, display_name=None, text=f"text {n}", url=None, waited_s=0.0)

    carried = [ball(n, n % 5 == 0) for n in range(30)]  # 6 questions, 24 comments
    text = render_md(Report("x", "edchat", ("h",), (), [], 0, carried))
    assert "## Carried over from earlier sessions (30)" in text
    assert text.count("· question ·") == 6 and text.count("· comment ·") == CARRIED_COMMENTS_SHOWN
    assert f"… and {24 - CARRIED_COMMENTS_SHOWN} more comments" in text


def test_a_ball_posted_as_the_chat_ended_did_not_wait():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(600, "bob", "@mshost one more thing?")
    out = render(chat.report(), "md")
    assert "posted as the chat ended" in out and "waited 0s" not in out
    html = render(chat.report(), "html")
    assert "posted as the chat ended" in html and 'class="waited"' not in html
