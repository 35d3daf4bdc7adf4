"""Provides chat definitions: a recurring chat's name, hashtag, host team, schedule and plan.

They live in one TOML file in the platform's config directory (``chats.toml``; XDG_CONFIG_HOME
is honoured on Linux), one table per chat::

    [chats.pstweetchat]
    hashtag = "PSTweetChat"
    hosts = { twitter = ["JeffHicks"] }
    cohosts = { twitter = [] }
    rrule = "FREQ=MONTHLY;BYDAY=1FR"
    start = "2019-10-04T13:00"          # local wall-clock time of the first session
    timezone = "America/New_York"
    duration_minutes = 60
    follow_up_sessions = 4              # a dropped ball stays on the follow-up list this long
    source = "mastodon://mastodon.social/PSTweetChat"   # where it runs live (optional)
    questions = [{ number = 1, minute = 2, text = "What are you working on?" }]
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chatmod.core.handles import HostTeam
from chatmod.core.models import Network
from chatmod.core.schedule import Schedule, ScheduleError, resolve_local
from chatmod.formats.base import describe_validation_error
from chatmod.paths import default_chats_path

__all__ = [
    "DEFAULT_FOLLOW_UP_SESSIONS", "Chat", "ChatBook", "ChatError", "PlannedQuestion", "chat_key", "default_chats_path", "ics",
]

DEFAULT_FOLLOW_UP_SESSIONS = 4
"""Sessions a dropped ball is carried over for, unless the chat says otherwise."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ChatError(Exception):
    """A chat definition or the chats file cannot be used; the message says where and why."""


class PlannedQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int = Field(ge=1, le=999)
    minute: int = Field(ge=0, le=24 * 60)
    """Minutes after the session's start."""
    text: str = ""


class Chat(BaseModel):
    """One recurring chat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    hashtag: str
    hosts: dict[Network, tuple[str, ...]]
    cohosts: dict[Network, tuple[str, ...]] = {}
    rrule: str
    start: datetime
    timezone: str
    duration_minutes: int = Field(default=60, ge=1, le=24 * 60)
    follow_up_sessions: int = Field(default=DEFAULT_FOLLOW_UP_SESSIONS, ge=1, le=1000)
    """Sessions a dropped ball is carried over for (then it ages out of the reports' follow-up
    lists; ``chatmod followups`` still has it)."""
    questions: tuple[PlannedQuestion, ...] = ()
    source: str | None = None
    """Where the chat runs live (``mastodon://HOST/TAG``, ``jetstream://HOST?tag=TAG``): the SOURCE
    of ``watch``/``analyze``/``report``/``ingest --chat NAME`` when none is given."""
    token: str | None = Field(default=None, repr=False)
    """The user token for ``source`` (``--token`` and ``CHATMOD_TOKEN`` come first). A file that
    holds one is written readable by its owner only."""

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        from chatmod.sources.live_url import parse_live_url

        if value is not None:
            parse_live_url(value)  # LiveURLError is a ValueError: it says what is wrong
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a chat name is lower-case letters, digits, '-' and '_' (e.g. pstweetchat)")
        return value

    @field_validator("hashtag")
    @classmethod
    def _hashtag(cls, value: str) -> str:
        value = value.strip().lstrip("#＃")
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("the hashtag is one word, with or without '#'")
        return value

    @field_validator("start")
    @classmethod
    def _wall_clock(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("start is the local wall-clock time (no offset); the zone is 'timezone'")
        return value

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.rrule, self.start, self.timezone, timedelta(minutes=self.duration_minutes))

    def team(self, network: Network) -> HostTeam:
        """The host team's handles on ``network``."""
        return HostTeam(self.hosts.get(network, ()), self.cohosts.get(network, ()))

    def every_handle(self) -> HostTeam:
        """The host team's handles on every network, for keeping their messages while reading."""
        return HostTeam(
            [h for handles in self.hosts.values() for h in handles],
            [h for handles in self.cohosts.values() for h in handles],
        )


def chat_key(chat: Chat | None, tag: str | None = None, team: HostTeam | None = None) -> str:
    """The name a chat's messages, ledger and sessions are stored under.

    A defined chat is its name. Read without ``--chat``, a chat is the one of its hashtag and
    host team: ``'#edchat @mshost'`` (just the hosts where there is no hashtag, just the tag
    without a team; '' with neither). Such a key never collides with a name (names start with
    a letter or digit), and the same tag with another host team is another chat.
    """
    if chat is not None:
        return chat.name
    parts = [f"#{tag.lstrip('#').casefold()}"] if tag else []
    if team is not None:
        seen = dict.fromkeys(f"@{h.lstrip('@').casefold()}" for h in team.hosts)
        parts.extend(seen)
    return " ".join(parts)


class ChatBook:
    """The chats file: read, change, write back (atomically)."""

    def __init__(self, path: Path, chats: dict[str, Chat], warnings: list[str]) -> None:
        self.path = path
        self.chats = chats
        self.warnings = warnings
        """Things in the file that were ignored (unknown keys), to tell the user."""

    @classmethod
    def load(cls, path: Path | None = None) -> ChatBook:
        path = path or default_chats_path()
        if not path.exists():
            return cls(path, {}, [])
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ChatError(f"{path}: not valid TOML: {error}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ChatError(f"{path}: cannot read it: {error}") from None
        warnings = [f"{path}: unknown key {key!r} ignored" for key in data if key != "chats"]
        chats: dict[str, Chat] = {}
        for name, table in (data.get("chats") or {}).items():
            if not isinstance(table, dict):
                raise ChatError(f"{path}: [chats.{name}] must be a table")
            unknown = sorted(set(table) - set(Chat.model_fields) - {"name"})
            warnings.extend(f"{path}: chat {name!r}: unknown key {key!r} ignored" for key in unknown)
            table = {key: value for key, value in table.items() if key not in unknown}
            try:
                chat = Chat.model_validate({**table, "name": name})
                chat.schedule  # noqa: B018 - validates the rule and the zone
            except ValidationError as error:
                raise ChatError(f"{path}: chat {name!r}: {describe_validation_error(error, every=True)}") from None
            except ScheduleError as error:
                raise ChatError(f"{path}: chat {name!r}: {error}") from None
            chats[name] = chat
        return cls(path, chats, warnings)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_text(self.dumps(), encoding="utf-8")
        if any(chat.token for chat in self.chats.values()):
            partial.chmod(0o600)  # a token is a password
        os.replace(partial, self.path)

    def dumps(self) -> str:
        lines = ["# chatmod chat definitions (chatmod chats add|list|show|next|ics)", ""]
        for chat in self.chats.values():
            lines.append(f"[chats.{chat.name}]")
            lines.append(f"hashtag = {_toml(chat.hashtag)}")
            for key in ("hosts", "cohosts"):
                teams = getattr(chat, key)
                inner = ", ".join(f"{network.value} = [{', '.join(map(_toml, handles))}]" for network, handles in teams.items())
                lines.append(f"{key} = {{ {inner} }}" if inner else f"{key} = {{}}")
            lines.append(f"rrule = {_toml(chat.rrule)}")
            lines.append(f"start = {_toml(chat.start.isoformat(timespec='minutes'))}")
            lines.append(f"timezone = {_toml(chat.timezone)}")
            lines.append(f"duration_minutes = {chat.duration_minutes}")
            lines.append(f"follow_up_sessions = {chat.follow_up_sessions}")
            if chat.source is not None:
                lines.append(f"source = {_toml(chat.source)}")
            if chat.token is not None:
                lines.append(f"token = {_toml(chat.token)}")
            if chat.questions:
                items = ", ".join(
                    f"{{ number = {q.number}, minute = {q.minute}, text = {_toml(q.text)} }}" for q in chat.questions
                )
                lines.append(f"questions = [{items}]")
            lines.append("")
        return "\n".join(lines)


def _toml(value: str) -> str:
    # A JSON string is a valid TOML basic string: the same escapes (\\" \\\\ \\n \\uXXXX).
    return json.dumps(value, ensure_ascii=False)


def ics(chat: Chat, now: datetime) -> str:
    """An iCalendar file holding the chat as one recurring event, as calendar apps expect: its
    local start and rule in its own zone (so 13:00 New York stays 13:00 across daylight-saving
    changes), with the zone's definition (VTIMEZONE) for the years around ``now``."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    zone = chat.schedule.tz
    first = resolve_local(chat.start, zone)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//chatmod//chat schedule//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text('#' + chat.hashtag)}", f"X-WR-TIMEZONE:{chat.timezone}"]
    lines += _vtimezone(zone, chat.timezone, min(first.year, now.year) - 1, now.year + 10)
    lines += [
        "BEGIN:VEVENT",
        f"UID:{chat.name}@chatmod",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={chat.timezone}:{chat.start:%Y%m%dT%H%M%S}",
        f"DURATION:PT{chat.duration_minutes}M",
        f"RRULE:{chat.rrule}",
        f"SUMMARY:{_ics_text('#' + chat.hashtag + ' chat')}",
        f"DESCRIPTION:{_ics_text(_plan(chat))}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _vtimezone(zone: ZoneInfo, name: str, first_year: int, last_year: int) -> list[str]:
    """The zone's offsets and their changes between two years, each change its own onset."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    changes = 0
    while moment < end:
        step = moment + timedelta(days=1)
        after = step.astimezone(zone).utcoffset() or timedelta(0)
        if after != offset:
            # Narrow the change down to the minute it happens.
            low, high = moment, step
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if (middle.astimezone(zone).utcoffset() or timedelta(0)) == offset:
                    low = middle
                else:
                    high = middle
            onset = high.replace(second=0, microsecond=0)
            local = (onset + offset).replace(tzinfo=None)  # the wall clock just before it
            kind = "DAYLIGHT" if (onset.astimezone(zone).dst() or timedelta(0)) else "STANDARD"
            lines += [f"BEGIN:{kind}", f"DTSTART:{local:%Y%m%dT%H%M%S}", f"TZOFFSETFROM:{_offset(offset)}",
                      f"TZOFFSETTO:{_offset(after)}", f"TZNAME:{onset.astimezone(zone).tzname()}", f"END:{kind}"]
            offset, changes = after, changes + 1
        moment = step
    if not changes:
        # A zone without changes: one standard time, all along.
        tzname = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone).tzname()
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{_offset(offset)}",
                  f"TZOFFSETTO:{_offset(offset)}", f"TZNAME:{tzname}", "END:STANDARD"]
    lines.append("END:VTIMEZONE")
    return lines


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def _plan(chat: Chat) -> str:
    if not chat.questions:
        return f"#{chat.hashtag}, {chat.duration_minutes} minutes"
    return "\n".join(f"Q{q.number} at +{q.minute} min: {q.text}" for q in chat.questions)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # RFC 5545: lines longer than 75 octets continue on the next line after one space.
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    while data:
        cut = min(len(data), 75 if not parts else 74)
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1  # never split a UTF-8 sequence
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    return "\r\n ".join(parts)
