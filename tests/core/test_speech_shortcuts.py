"""Rule 2 reads the words before a handle through shortcuts (last-word checks before each
end-anchored search): the shortcuts must never change a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chatmod.core import speech
from chatmod.core.handles import find_handles
from chatmod.core.models import Network
from chatmod.core.speech import voice_of

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
EXTRA = [
    "happy friday @mshost!", "hats off to @mshost", "shout-out to @mshost", "big ups @mshost", "(via @mshost)",
    "h/t @mshost", "hat tip to @mshost", "courtesy of @mshost", "thx to @bob and @mshost", "see ya @mshost",
    "you too @mshost", "well said @mshost", "great question @mshost, how?", "so @mshost what now",
    "p.s. @mshost I loved it", "lol @mshost", "I read @mshost every week", "loved it 🙌 @mshost",
    "what do you think @mshost?", "your thoughts, @mshost?", "I went to school with @mshost",
    "thank you so much again @mshost", "good morning @mshost", "check out @mshost for more",
]


def _cases() -> list[tuple[str, int, int]]:
    texts = list(EXTRA)
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for message in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            if message.get("text"):
                texts.append(message["text"])
    return [(t, span.start, span.end) for t in texts for span in find_handles(t, Network.TWITTER)]


@pytest.mark.parametrize("network, handles", [
    (Network.BLUESKY, ("@host.bsky.social", "@cohost.bsky.social")),
    (Network.MASTODON, ("@host@chat.example", "@cohost@other.example")),
])
def test_a_cc_list_of_domain_handles_is_one_attribution(network: Network, handles: tuple[str, str]) -> None:
    """The dots inside a handle end no sentence: the second handle of "cc @a.x @b.x" is cc'd too."""
    text = f"A5: we budget for assistive tech first. cc {handles[0]} {handles[1]}"
    spans = find_handles(text, network)
    voices: list[speech.Voice] = []
    for span in spans:
        voices.append(voice_of(text, span.start, span.end, voices[-1] if voices else None))
    assert len(spans) == 2 and voices == [speech.Voice.ATTRIBUTION] * 2


def test_shortcuts_never_change_the_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _cases()
    fast = [voice_of(t, s, e) for t, s, e in cases]
    monkeypatch.setattr(speech._Ending, "ends", lambda self, before, last: self.pattern.search(before) is not None)
    monkeypatch.setattr(speech, "_starts_sentence", lambda before: speech._SENTENCE_START.search(before) is not None)
    slow = [voice_of(t, s, e) for t, s, e in cases]
    assert len(cases) > 150
    assert [(t, s) for (t, s, _), a, b in zip(cases, fast, slow, strict=True) if a != b] == []
