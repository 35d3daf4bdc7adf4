"""A Bluesky archive read with ``--host HANDLE``: posts carry DIDs only, so the host's DID is
found (in the archive's mention facets, the database's names, the AppView) or the command stops
with exit 2 naming the DID to pass; it never judges a chat with no host in it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from chatmod.cli import main
from chatmod.store import Store
from chatmod.store.db import stored_team
from tests.live.appview_server import FakeAppView
from tests.live.threaded import Threaded

DEMO = Path(__file__).parents[2] / "fixtures" / "rendered" / "jetstream" / "demo.jsonl"
HOST, HOST_DID = "msrivera.bsky.social", "did:plc:mlz67s2ort2drsb6rqq3zxkz"
COHOST, COHOST_DID = "mrokafor.bsky.social", "did:plc:tzekw5mvffscqr37ustfukt4"


def _capture(tmp_path: Path, *, facets: bool = True) -> Path:
    """The demo chat as a Jetstream capture that missed every identity event (and, without
    ``facets``, whose posts name the host team in their text only)."""
    if not DEMO.exists():
        pytest.skip("fixtures not rendered")
    lines = []
    for line in DEMO.read_text().splitlines():
        event = json.loads(line)
        if event.get("kind") == "identity":
            continue
        record = event.get("commit", {}).get("record", {})
        if not facets and "facets" in record:
            record["facets"] = [f for f in record["facets"]
                                if not any(feature.get("did") in (HOST_DID, COHOST_DID) for feature in f["features"])]
        lines.append(json.dumps(event))
    path = tmp_path / "capture.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _verdicts(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[tuple[str, object, object]]]:
    code = main(argv)
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return code, [(r["id"], r.get("to_host"), r.get("status")) for r in rows]


def test_the_archive_names_the_host_in_its_mention_facets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    team = ["--host", HOST, "--cohost", COHOST]
    code, with_names = _verdicts(capsys, ["analyze", str(DEMO), *team])
    assert code == 0
    code, dids_only = _verdicts(capsys, ["analyze", str(_capture(tmp_path)), *team, "--appview", "off"])
    assert code == 0
    assert dids_only == with_names
    assert "no message is by the host team" not in capsys.readouterr().err


def test_the_appview_names_the_host_and_the_database_keeps_it(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    team = ["--host", HOST, "--cohost", COHOST]
    _, with_names = _verdicts(capsys, ["analyze", str(DEMO), *team])
    capture = _capture(tmp_path, facets=False)
    db = tmp_path / "chat.db"
    asyncio.run(_create(db))
    fake = Threaded(FakeAppView({HOST_DID: HOST, COHOST_DID: COHOST}))
    with fake.running() as appview:
        code, looked_up = _verdicts(capsys, ["analyze", str(capture), *team, "--appview", appview.url, "--db", str(db)])
        assert sorted(appview.resolved) == sorted([HOST, COHOST])
    assert code == 0 and looked_up == with_names
    # Offline now: the database remembers.
    code, remembered = _verdicts(capsys, ["analyze", str(capture), *team, "--appview", "off", "--db", str(db)])
    assert code == 0 and remembered == with_names


def test_without_a_way_to_name_the_host_it_stops_and_says_which_did_to_pass(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # no default database to remember
    capture = _capture(tmp_path, facets=False)
    assert main(["analyze", str(capture), "--host", HOST, "--appview", "off"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"@{HOST}" in captured.err and "--appview off" in captured.err
    assert "--host did:plc:…" in captured.err and HOST_DID in captured.err  # the one who posted Q1, Q2…
    # The DID it names works.
    assert main(["analyze", str(capture), "--host", HOST_DID, "--appview", "off"]) == 0


def test_an_appview_that_does_not_know_the_handle_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    fake = Threaded(FakeAppView({}))
    with fake.running() as appview:
        assert main(["report", str(_capture(tmp_path, facets=False)), "--host", HOST, "--appview", appview.url]) == 2
    assert "knows no account with that handle" in capsys.readouterr().err


async def _create(db: Path) -> None:
    async with await Store.open(db):
        pass


def test_ingest_judges_a_dids_only_capture_by_the_host_it_names(tmp_path: Path) -> None:
    team = ["--host", HOST, "--cohost", COHOST, "--appview", "off"]
    named, dids_only = tmp_path / "named.db", tmp_path / "dids.db"
    assert main(["ingest", str(DEMO), *team, "--db", str(named)]) == 0
    assert main(["ingest", str(_capture(tmp_path)), *team, "--db", str(dids_only)]) == 0
    assert _balls(dids_only) == _balls(named) != []
    assert main(["ingest", str(_capture(tmp_path, facets=False)), *team, "--db", str(tmp_path / "x.db")]) == 2


def test_watch_stops_before_opening_the_console_when_the_host_cannot_be_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["watch", str(_capture(tmp_path, facets=False)), "--host", HOST, "--appview", "off"]) == 2
    assert "--host did:plc:…" in capsys.readouterr().err


def _balls(db: Path) -> list[tuple[str, str, str]]:
    """Every engine event of the stored ledger (the answer's author may be a DID or a handle)."""
    with sqlite3.connect(db) as connection:
        return sorted(connection.execute("SELECT ball_id, kind, message_id FROM ledger WHERE origin = 'engine'"))


def test_a_stored_session_keeps_the_dids_its_team_was_known_by(tmp_path: Path) -> None:
    db = tmp_path / "dids.db"
    assert main(["ingest", str(_capture(tmp_path)), "--host", HOST, "--appview", "off", "--db", str(db)]) == 0
    with sqlite3.connect(db) as connection:
        texts = [text for (text,) in connection.execute("SELECT team FROM sessions")]
    teams = [stored_team(text) for text in texts]
    assert teams and all(team is not None and team.matches(HOST_DID, HOST_DID) for team in teams)
