"""Provides the console's dialogs: help, a message's conversation, and a one-line prompt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from chatmod.tui.shown import shown, who

if TYPE_CHECKING:
    from chatmod.core.handles import HostTeam
    from chatmod.core.ledger import Ball
    from chatmod.core.models import Message
    from chatmod.tui.state import Entry

__all__ = ["ConversationScreen", "HelpScreen", "PromptScreen", "judged"]

_REASONS = {"reply": "it replies to the host team", "leading": "a host-team handle leads its @-block",
            "direct": "its text speaks to the host team", "plural": "it speaks to everyone it names"}
_HOW = {"reply": "a reply to it", "same_exchange": "a reply later in its exchange",
        "to_author": "a message speaking to its author", "moderator": "marked by a moderator"}


def judged(entry: Entry | None, ball: Ball | None, names: Mapping[str, str]) -> str:
    """Why the engine judged a message as it did, in a line a host can check and overrule."""
    parts: list[str] = []
    if entry is not None and entry.team:
        return "Posted by the host team."
    if entry is not None and entry.to_host:
        parts.append(f"Addressed: {_REASONS.get(entry.reason or '', 'addressed to the host team')}")
        parts.append("asks a question" if entry.question else "asks nothing")
    elif entry is not None:
        parts.append("Not addressed to the host team")
    if ball is not None:
        status = ball.status.value
        if ball.answered_by is not None:
            how = _HOW.get(ball.answered_how.value if ball.answered_how else "moderator", "")
            status = f"answered by {who(ball.answered_by, names, 60)} ({how})"
        parts.append(status)
    return "; ".join(parts) + "." if parts else ""

_CLOSE: list[BindingType] = [Binding("escape", "dismiss", "Close"), Binding("q", "dismiss", "Close", show=False)]


class HelpScreen(ModalScreen[None]):
    """Every key, and what the colours mean."""

    BINDINGS = _CLOSE

    def __init__(self, keys: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self._keys = list(keys)

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("chatmod: who is waiting for an answer, and for how long\n\n", style="bold")
        text.append("Inbox", style="bold")
        text.append(": open balls (messages addressed to the host team), questions (?) first, then the "
                    "longest wait. Waits turn ")
        text.append("amber", style="bold yellow")
        text.append(" and then ")
        text.append("red", style="bold red")
        text.append(". Act on the selected ball with the keys below.\n")
        text.append("Stream", style="bold")
        text.append(": every message, labelled with its question. ")
        text.append("Host team", style="bold cyan")
        text.append(", ")
        text.append("→ addressed to the host team", style="yellow")
        text.append(", ? asks something, ✓ answered, ✗ dropped, ↻ repost.\n\n")
        # A grid, so a description that wraps stays in its column at any width.
        keys = Table.grid(padding=(0, 2), pad_edge=True)
        keys.add_column(justify="right", style="bold", no_wrap=True)
        keys.add_column(ratio=1)
        for key, description in self._keys:
            keys.add_row(key, description)
        closing = Text("\nCtrl+P opens the command palette: every action, by name. Esc (or q) closes this help.",
                       style="dim")
        with VerticalScroll(id="help-body"):
            yield Static(Group(text, keys, closing))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class ConversationScreen(ModalScreen[None]):
    """A message, what it replies to, and what replied to it."""

    BINDINGS = _CLOSE

    def __init__(
        self, parents: list[Message], message: Message, replies: list[Message], team: HostTeam,
        *, zone: tzinfo | None = None, names: Mapping[str, str] | None = None, verdict: str = "",
    ) -> None:
        super().__init__()
        self._parents, self._message, self._replies, self._team = parents, message, replies, team
        self._verdict = verdict
        self._zone = zone
        self._names = names or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="conversation-body"):
            yield Label(Text("Conversation", style="bold"))
            if self._parents:
                yield Label(Text("In reply to", style="dim"))
                for parent in self._parents:
                    yield Static(self._card(parent), classes="card")
            yield Static(self._card(self._message), classes="card focus")
            if self._verdict:
                yield Label(Text(self._verdict, style="italic"), id="verdict")
            yield Label(Text(f"Replies ({len(self._replies)})" if self._replies else "No replies yet", style="dim"))
            for reply in self._replies:
                yield Static(self._card(reply), classes="card")

    def _card(self, message: Message) -> Text:
        team = self._team.matches(message.author, message.author_id)
        card = Text()
        card.append(f"{message.created_at.astimezone(self._zone):%H:%M:%S} ", style="dim")
        card.append(who(message.author, self._names, 60), style="bold cyan" if team else "bold")
        if message.display_name:
            card.append(f"  {shown(message.display_name, 60)}", style="dim")
        if message.untagged:
            card.append("  untagged: caught without the hashtag", style="yellow")
        card.append("\n")
        # Whole text, line breaks kept; every line passes through shown() on its own.
        card.append("\n".join(shown(line, 2000) for line in message.text.splitlines()[:40]))
        if message.url:
            card.append(f"\n{shown(message.url, 300)}", style="dim underline")
        return card

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line of input (search, seek); Enter returns it, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, hint: str, value: str = "") -> None:
        super().__init__()
        self._title, self._hint, self._value = title, hint, value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-body"):
            yield Label(Text(self._title, style="bold"))
            yield Input(value=self._value, placeholder=self._hint, id="prompt-input")
            yield Label(Text(self._hint, style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
