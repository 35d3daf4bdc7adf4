"""Rule 3's phrase tables look words up before running patterns: the look-up must never hide a match."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chatmod.core import asking
from chatmod.core.asking import asks

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
EXTRA = [
    "I'd love your take", "would love to hear more", "do tell!", "point me to the doc please",
    "is there a recording?", "where can I find the slides", "links to the deck?", "can you share the link",
    "I'm totally stuck", "not sure how to start", "anyone else?", "raise your hand if you use it",
    "how about that?", "what's not to love?", "isn't it great?", "who knew?", "you know what?",
]


def _texts() -> list[str]:
    texts = list(EXTRA)
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for message in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            if message.get("text"):
                texts.append(message["text"])
    return texts


def _every_key(self: asking._Phrases, text: str, words: object) -> bool:
    return any(p.search(text) for patterns in self._by_key.values() for p in patterns)


@pytest.mark.parametrize("answering", [False, True])
def test_word_lookup_never_changes_the_verdict(answering: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    fast = [asks(t, answering) for t in texts]
    monkeypatch.setattr(asking._Phrases, "search", _every_key)
    slow = [asks(t, answering) for t in texts]
    assert len(texts) > 300
    assert [t for t, a, b in zip(texts, fast, slow, strict=True) if a != b] == []


def test_trailing_answer_tags_read_word_by_word_agree_with_the_pattern() -> None:
    from chatmod.core import tags

    texts = [*_texts(), "great idea A3", "A3", "yes a12b #x #y", "(A4) #chat #edchat", "data5 #chat", "ok A3! #chat",
             "ok A3 . #chat !", "A3 #" + " #t".join(str(i) for i in range(20)), "x " + "#t " * 14 + "A1"]
    for text in texts:
        m = tags._ANSWER_END.search(text)
        assert tags._trailing_tag(text) == (int(m.group(1)) if m else None), text
