"""html_to_text: Mastodon HTML as plain text, hostile HTML included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatmod.formats.html_text import _parsed, _tokenised, html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("plain words", "plain words"),
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("<p>one</p>\n<p>two</p>", "one\n\ntwo"),
        ("<p>line<br>next<br/>last</p>", "line\nnext\nlast"),
        ("<ul><li>a</li><li>b</li></ul><p>after</p>", "a\nb\n\nafter"),
        ("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &#x1F600;", "a & b <c> \"d\" 'e' 😀"),
        ('<a href="https://x.social/@bo" class="u-url mention">@<span>bo</span></a> hi', "@bo hi"),
        ('<a href="https://x.social/tags/EdChat" class="mention hashtag">#<span>EdChat</span></a>',
         "#EdChat"),
        (('<a href="https://e.org/a/long/path"><span class="invisible">https://</span>'
          '<span class="ellipsis">e.org/a/lo</span><span class="invisible">ng/path</span></a>'),
         "https://e.org/a/long/path"),
        ('<a href="https://e.org/page">the page</a>', "the page"),
        ("<p>  spaced   out\n text </p>", "spaced out text"),
        ("<pre>keep\n  this</pre>", "keep\n  this"),
        ("<blockquote><p>quoted</p></blockquote><p>mine</p>", "quoted\n\nmine"),
        ("<del>old</del> <strong>new</strong> <em>x</em> <code>y</code>", "old new x y"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
    ],
)
def test_mastodon_html(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<script>alert('x')</script>safe", "safe"),
        ("<style>p { color: red }</style>safe", "safe"),
        ("<SCRIPT type='x'>document.cookie</SCRIPT>ok", "ok"),
        ("before<script>never closed", "before"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("text then a cut <a href=\"https://evil", "text then a cut"),
        ("<![if !supportLists]>kept<![endif]>", "kept"),
        ("<![weird[ inside ]]>after", "after"),
        ("<!-- hidden comment -->shown", "shown"),
        ("<?php echo 1 ?>shown", "shown"),
        ('<a href="javascript:alert(1)"><span class="invisible">x</span></a>',
         "javascript:alert(1)"),
        ("<p onclick=\"steal()\">click</p>", "click"),
        ("<img src=x onerror=alert(1)>img", "img"),
    ],
)
def test_hostile_html_leaks_no_markup(html: str, text: str) -> None:
    assert html_to_text(html) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<a href='h'>", "</a>", "<span class",
                                 "='invisible'>", "</span>", "<script>", "</script>", "&amp;",
                                 "&#", "<![", "[", "]]>", "<!--", "-->", "<", ">", "x", " ",
                                 "\n", "\x1b[2J"]) | st.text(max_size=5), max_size=30))
def test_fuzz_never_raises(parts: list[str]) -> None:
    html_to_text("".join(parts))


_PIECES = ["<p>", "</p>", "<P class='x'>", "<br>", "<br/>", "<BR />", "<a href=\"https://e.org/a?b=1&amp;c=2\">",
           "<a href='h' class=\"u-url mention\">", "<a href=h>", "</a>", "</A >", "<span>",
           '<span class="invisible">', "<span class='ellipsis'>", "</span>", "<ul>", "<li>",
           "</li>", "</ul>", "<pre>", "</pre>", "<blockquote>", "</blockquote>", "<div>",
           "<b>", "</b>", "<input disabled>", "&amp;", "&lt;", "&#39;", "&#x1F600;", "&nbsp;",
           "&bogus;", "&", "x", "word", " ", "  ", "\n", "\t", "é", "#tag", "@bo"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25))
def test_fast_path_agrees_with_html_parser(parts: list[str]) -> None:
    html = "".join(parts)
    fast = _tokenised(html)
    assert fast is not None  # every piece is in the subset the fast path takes
    assert fast == _parsed(html)


@pytest.mark.parametrize("html", ["<!-- c -->x", "<script>x</script>", "a < b", "<p", "<?x?>"])
def test_fast_path_declines_the_unusual(html: str) -> None:
    assert _tokenised(html) is None
