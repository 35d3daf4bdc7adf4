"""The Storify test tooling reads the #NGSSchat export as the chat was: local US Eastern times,
ids from row numbers, Storify's exact repeats once, Latin-1 and CR line ends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from tests.storify import storify_sessions


def test_rows_become_messages_of_the_days_asked_for(tmp_path: Path) -> None:
    rows = ["time,username,text",
            '5/10/12 20:08,FredEnde,"Q1.  How do you see this changing instruction? #NGSSchat"',
            "5/10/12 20:10,ampercival,Q1: caf\xe9 &amp; inquiry #NGSSchat",
            "5/10/12 20:10,ampercival,Q1: caf\xe9 &amp; inquiry #NGSSchat",
            "5/17/12 20:01,FredEnde,Welcome back #NGSSchat"]
    path = tmp_path / "storify.csv"
    path.write_bytes("\r".join(rows).encode("latin-1"))
    question, answer = storify_sessions(path, {date(2012, 5, 10)})
    assert (question.id, answer.id) == ("00002", "00003")
    assert question.created_at == datetime(2012, 5, 11, 0, 8, tzinfo=UTC)  # 8 pm EDT
    assert answer.text == "Q1: café & inquiry #NGSSchat" and answer.hashtags == ("NGSSchat",)
    assert [m.id for m in storify_sessions(path, {date(2012, 5, 17)})] == ["00005"]
