"""chatmod chats: definitions in TOML, upcoming sessions, and calendar export."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatmod.chats import ChatBook, ics
from chatmod.cli import main

ADD = ["add", "pstweetchat", "--tag", "#PSTweetChat", "--host", "JeffHicks", "--rrule", "FREQ=MONTHLY;BYDAY=1FR",
       "--start", "2019-10-04T13:00", "--tz", "America/New_York", "--question", "1@2:What's new, \"friends\"?"]


def test_add_then_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chats.toml"
    assert main(["chats", "--chats-file", str(path), *ADD]) == 0
    chat = ChatBook.load(path).chats["pstweetchat"]
    assert chat.hashtag == "PSTweetChat" and chat.questions[0].text == "What's new, \"friends\"?"
    assert main(["chats", "--chats-file", str(path), "list"]) == 0
    assert "pstweetchat\t#PSTweetChat" in capsys.readouterr().out
    assert main(["chats", "--chats-file", str(path), *ADD]) == 2  # exists: --replace needed
    assert "--replace" in capsys.readouterr().err
    assert main(["chats", "--chats-file", str(path), *ADD, "--replace", "--duration", "90"]) == 0
    assert ChatBook.load(path).chats["pstweetchat"].duration_minutes == 90


@pytest.mark.parametrize(
    "change, message",
    [(["--rrule", "FREQ=NOPE"], "not an RRULE"), (["--tz", "Nowhere/Land"], "unknown time zone"),
     (["--start", "2019-10-04T13:00+02:00"], "wall-clock"), (["--question", "one:hi"], "N@MINUTE:TEXT")],
)
def test_bad_definitions_are_refused_clearly(tmp_path: Path, change: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    args = list(ADD)
    flag = change[0]
    if flag in args and flag != "--question":
        args[args.index(flag) + 1] = change[1]
    else:
        args += change
    assert main(["chats", "--chats-file", str(tmp_path / "c.toml"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "c.toml").exists()


def test_invalid_toml_names_line_and_column_and_unknown_keys_warn(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chats.toml"
    path.write_text("[chats.x]\nhashtag = \"x\nhosts = {}\n", encoding="utf-8")
    assert main(["chats", "--chats-file", str(path), "list"]) == 2
    assert "line 2" in capsys.readouterr().err
    assert main(["chats", "--chats-file", str(path), *ADD]) == 2
    path.unlink()
    assert main(["chats", "--chats-file", str(path), *ADD]) == 0
    path.write_text(path.read_text(encoding="utf-8").replace("duration_minutes", "colour = \"red\"\nduration_minutes"),
                    encoding="utf-8")
    capsys.readouterr()
    assert main(["chats", "--chats-file", str(path), "show", "pstweetchat"]) == 0
    assert "unknown key 'colour' ignored" in capsys.readouterr().err


def test_the_config_directory_follows_xdg_config_home(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    subprocess.run([sys.executable, "-m", "chatmod", "chats", *ADD], env=env, check=True, capture_output=True)
    assert (tmp_path / "cfg" / "chatmod" / "chats.toml").exists()


def test_next_lists_upcoming_sessions_in_the_zone_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chats.toml"
    main(["chats", "--chats-file", str(path), *ADD])
    capsys.readouterr()
    assert main(["chats", "--chats-file", str(path), "next", "pstweetchat", "--count", "3", "--tz", "Asia/Tokyo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("Sat") and "JST" in line and "(chat time 13:00 E" in line for line in lines)


def test_ics_is_one_recurring_event_in_the_chats_zone(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from dateutil.rrule import rrulestr

    path = tmp_path / "chats.toml"
    main(["chats", "--chats-file", str(path), *ADD])
    chat = ChatBook.load(path).chats["pstweetchat"]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    text = ics(chat, now)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "").split("\r\n")
    assert unfolded.count("BEGIN:VEVENT") == 1
    fields = dict(line.split(":", 1) for line in unfolded if line and not line.startswith(("BEGIN", "END")))
    assert fields["DTSTART;TZID=America/New_York"] == "20191004T130000" and fields["DURATION"] == "PT60M"
    zone = ZoneInfo("America/New_York")
    # The event's own rule, read back in its zone, gives the schedule's instants.
    start = datetime(2019, 10, 4, 13, tzinfo=zone)
    rule = rrulestr(fields["RRULE"], dtstart=start)
    read_back = [o.astimezone(UTC) for o in rule.between(now, datetime(2026, 7, 1, tzinfo=UTC))][:4]
    assert read_back == [o.start for o in chat.schedule.upcoming(now, 4)]
    assert [s.hour for s in read_back] == [18, 17, 17, 17]  # March 6 before the DST change, then EDT
    # Each onset in the VTIMEZONE is where the zone's offset really changes.
    onsets = [i for i, line in enumerate(unfolded) if line in ("BEGIN:DAYLIGHT", "BEGIN:STANDARD")]
    assert len(onsets) > 20
    for i in onsets:
        local = datetime.strptime(unfolded[i + 1].split(":")[1], "%Y%m%dT%H%M%S")
        before, after = unfolded[i + 2].split(":")[1], unfolded[i + 3].split(":")[1]
        sign = -1 if before.startswith("-") else 1
        utc = local.replace(tzinfo=UTC) - sign * timedelta(hours=int(before[1:3]), minutes=int(before[3:5]))
        assert datetime.fromtimestamp(utc.timestamp() - 60, zone).strftime("%z") == before
        assert datetime.fromtimestamp(utc.timestamp() + 60, zone).strftime("%z") == after
    assert "DESCRIPTION:Q1 at +2 min: What's new\\, \"friends\"?" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_ics_of_a_zone_without_changes_has_one_standard_time(tmp_path: Path) -> None:
    path = tmp_path / "chats.toml"
    main(["chats", "--chats-file", str(path), *ADD, "--replace", "--tz", "Asia/Tokyo"])
    text = ics(ChatBook.load(path).chats["pstweetchat"], datetime(2026, 3, 1, tzinfo=UTC))
    assert text.count("BEGIN:STANDARD") == 1 and "TZOFFSETTO:+0900" in text and "BEGIN:DAYLIGHT" not in text


def test_edit_changes_only_what_it_is_given_and_remove_forgets(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chats.toml"
    assert main(["chats", "--chats-file", str(path), *ADD]) == 0
    assert main(["chats", "--chats-file", str(path), "edit", "pstweetchat", "--duration", "90",
                 "--cohost", "Sidekick"]) == 0
    chat = ChatBook.load(path).chats["pstweetchat"]
    assert chat.duration_minutes == 90 and chat.hashtag == "PSTweetChat"
    assert chat.hosts[next(iter(chat.hosts))] == ("JeffHicks",) and "Sidekick" in chat.cohosts[next(iter(chat.cohosts))]
    assert main(["chats", "--chats-file", str(path), "edit", "pstweetchat", "--tz", "Nowhere/Land"]) == 2
    assert "unknown time zone" in capsys.readouterr().err
    assert ChatBook.load(path).chats["pstweetchat"].timezone == "America/New_York"  # nothing half-changed
    assert main(["chats", "--chats-file", str(path), "edit", "pstweetchat"]) == 2
    assert "nothing to change" in capsys.readouterr().err
    assert main(["chats", "--chats-file", str(path), "remove", "pstweetchat"]) == 0
    assert ChatBook.load(path).chats == {}
    assert main(["chats", "--chats-file", str(path), "remove", "pstweetchat"]) == 2


def test_a_rule_that_has_run_out_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chats.toml"
    ended = [*ADD[:ADD.index("--rrule") + 1], "FREQ=WEEKLY;COUNT=3", *ADD[ADD.index("--rrule") + 2:]]
    assert main(["chats", "--chats-file", str(path), *ended]) == 0
    capsys.readouterr()
    assert main(["chats", "--chats-file", str(path), "next", "pstweetchat"]) == 0
    assert "has no upcoming sessions" in capsys.readouterr().err
