"""The #NGSSchat Storify export (``../shared/corpus/ngsschat-storify.csv``) as messages, for the
labelled real-chat sets: test tooling, not a reader (the file has no ids and no reply links, so
no user has an archive like it).

Each row is ``time, username, text``: the time to the minute in the chat's own zone (US Eastern;
the chat ran 8 pm), no zone written. A message's id is its row's number in the file, so a label
file can name it; a row repeated exactly (Storify's duplicates) is read once. The file mixes
encodings and ends lines with CR: it is read as Latin-1, whatever the line ends.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from chatmod.core.models import Message, Network
from chatmod.formats.twitter import text_entities, unescape

__all__ = ["storify_sessions"]

ZONE = ZoneInfo("America/New_York")


def storify_sessions(path: Path, days: set[date]) -> list[Message]:
    """The messages posted on ``days`` (the chat's local dates), in row order."""
    text = path.read_bytes().decode("latin-1")
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows)  # time,username,text
    seen: set[tuple[str, ...]] = set()
    messages = []
    for number, row in enumerate(rows, start=2):
        if len(row) < 3 or tuple(row[:3]) in seen:
            continue
        seen.add(tuple(row[:3]))
        local = datetime.strptime(row[0].strip(), "%m/%d/%y %H:%M").replace(tzinfo=ZONE)
        if local.date() not in days:
            continue
        body = unescape(row[2].strip())
        mentions, hashtags = text_entities(body)
        messages.append(Message(network=Network.TWITTER, id=f"{number:05d}", author=row[1].strip(),
                                created_at=local, text=body, mentions=mentions, hashtags=hashtags))
    return messages
