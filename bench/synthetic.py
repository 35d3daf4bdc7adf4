"""Provides seeded synthetic chat archives for benchmarks: weekly sessions of a Q/A chat."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["mastodon_status", "synthetic_messages", "write_mastodon", "write_native", "write_twarc1"]

HOST = "mshost"
COHOST = "cosam"
_WORDS = ["rubrics", "feedback", "students", "pencils", "kahoot", "flipgrid", "projects", "grading", "reading", "writing", "math", "science", "coffee", "teamwork", "mindset", "growth", "choice", "voice", "inquiry", "assessment", "portfolio", "coding", "robots", "podcast", "blog", "library", "parents", "community", "morning", "routine"]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def synthetic_messages(count: int, seed: int = 7, per_session: int = 2000) -> Iterator[dict[str, object]]:
    """Native-format records: sessions a week apart, six questions each, realistic traffic."""
    rng = random.Random(seed)
    people = [f"user{i:04d}" for i in range(5000)]
    start = datetime(2024, 1, 2, 17, 0, tzinfo=UTC)
    made = 0
    session = 0
    while made < count:
        t0 = start + timedelta(weeks=session)
        crowd = rng.sample(people, 300)
        step = 3600 / per_session
        recent: list[tuple[str, str]] = []
        for i in range(min(per_session, count - made)):
            at = t0 + timedelta(seconds=i * step)
            q = 1 + i * 6 // per_session
            ident = str(1_700_000_000_000_000_000 + made)
            author = rng.choice(crowd)
            reply_to = None
            roll = rng.random()
            if i % (per_session // 6) == 0:
                author, text = HOST, f"Q{q}: what is your take on {_sentence(rng, 4)}? #chat"
            elif roll < 0.30:
                text = f"A{q} {_sentence(rng, rng.randint(5, 20))} #chat"
            elif roll < 0.50:
                text = f"@{HOST} A{q}: {_sentence(rng, rng.randint(5, 15))} #chat"
            elif roll < 0.58:
                text = f"@{HOST} how do you handle {_sentence(rng, 4)}? #chat"
            elif roll < 0.70 and recent:
                other, other_id = rng.choice(recent)
                text = f"@{other} @{HOST} {_sentence(rng, rng.randint(4, 12))} #chat"
                reply_to = other_id
            elif roll < 0.80 and recent:
                other, other_id = rng.choice(recent)
                author = rng.choice((HOST, COHOST))
                text = f"@{other} {_sentence(rng, rng.randint(4, 12))}"
                reply_to = other_id if rng.random() < 0.5 else None
            elif roll < 0.88 and recent:
                other, other_id = rng.choice(recent)
                text = f"RT @{other}: {_sentence(rng, 8)} #chat"
            else:
                text = f"thanks @{HOST}! {_sentence(rng, 6)} #chat"
            recent.append((author, ident))
            if len(recent) > 40:
                recent.pop(0)
            yield {
                "network": "twitter",
                "id": ident,
                "author": author,
                "author_id": None,
                "display_name": author.title(),
                "created_at": at.isoformat().replace("+00:00", "Z"),
                "text": text,
                "reply_to_id": reply_to,
                "reply_to_author": None,
                "mentions": [],
                "hashtags": ["chat"] if "#chat" in text else [],
                "repost_of": None,
                "repost_of_author": None,
                "quote_of": None,
                "url": f"https://twitter.com/{author}/status/{ident}",
                "lang": "en",
                "edited": False,
                "deleted": False,
                "truncated": False,
            }
            made += 1
        session += 1


def write_native(path: Path, count: int, seed: int = 7) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in synthetic_messages(count, seed):
            out.write(json.dumps(record))
            out.write("\n")
    return path


def write_twarc1(path: Path, count: int, seed: int = 7) -> Path:
    """The same chat as twarc v1.1 tweets (entities left out: the reader extracts from text)."""
    with path.open("w", encoding="utf-8") as out:
        for record in synthetic_messages(count, seed):
            at = datetime.fromisoformat(str(record["created_at"]))
            tweet = {
                "id_str": record["id"],
                "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "full_text": record["text"],
                "user": {"id_str": str(abs(hash(record["author"])) % 10**9), "screen_name": record["author"], "name": record["display_name"]},
                "in_reply_to_status_id_str": record["reply_to_id"],
                "lang": "en",
            }
            out.write(json.dumps(tweet))
            out.write("\n")
    return path


def mastodon_status(record: dict[str, object]) -> dict[str, object]:
    """One synthetic record as the Mastodon Status entity the streaming API and REST send."""
    author = str(record["author"])
    words = str(record["text"]).split(" ")
    html = " ".join(
        f'<a href="https://example.social/tags/{w[1:]}" class="mention hashtag" rel="tag">#<span>{w[1:]}</span></a>'
        if w.startswith("#") else
        f'<span class="h-card"><a href="https://example.social/@{w[1:].rstrip(":!")}" class="u-url mention">'
        f'@<span>{w[1:].rstrip(":!")}</span></a></span>' if w.startswith("@") else w
        for w in words
    )
    mentioned = sorted({w[1:].rstrip(":!") for w in words if w.startswith("@")})
    return {
        "id": record["id"], "created_at": str(record["created_at"]).replace("Z", ".000Z"),
        "in_reply_to_id": record["reply_to_id"], "in_reply_to_account_id": None,
        "url": f"https://example.social/@{author}/{record['id']}", "uri": f"https://example.social/users/{author}/statuses/{record['id']}",
        "account": {"id": f"id-{author}", "username": author, "acct": author, "display_name": record["display_name"],
                    "url": f"https://example.social/@{author}", "bot": False},
        "content": f"<p>{html}</p>", "visibility": "public", "language": "en", "spoiler_text": "", "sensitive": False,
        "mentions": [{"id": f"id-{m}", "username": m, "acct": m, "url": f"https://example.social/@{m}"} for m in mentioned],
        "tags": [{"name": t, "url": f"https://example.social/tags/{t}"} for t in record["hashtags"]],  # type: ignore[attr-defined]
        "reblog": None, "edited_at": None,
    }


def write_mastodon(path: Path, count: int, seed: int = 7) -> Path:
    """The same chat as Mastodon statuses, one JSON object a line."""
    with path.open("w", encoding="utf-8") as out:
        for record in synthetic_messages(count, seed):
            out.write(json.dumps(mastodon_status(record)))
            out.write("\n")
    return path
