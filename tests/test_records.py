"""The analyze line writer agrees byte for byte with json.dumps of the contract record."""

from __future__ import annotations

import json

from chatmod.core.handles import HostTeam
from chatmod.formats import read_source
from chatmod.pipeline import judge_sessions
from chatmod.records import analysis_line, analysis_record
from chatmod.sources.ordering import Run, chronological
from tests.conftest import ROOT, chat


def test_fast_lines_equal_json_dumps_of_the_record() -> None:
    _, items = read_source(str(ROOT / "chatmod" / "demo" / "demo_chat.jsonl"))
    hostile = chat([("h1", "0:00", "mshost", "Q1: \"quotes\" \\ back\\slash \u2028 sep é 🙂?"),
                    ("h2", "0:30", "bob", "@mshost \t tab and \u0085 and </script>?")])
    messages = chronological(items, Run()) + hostile
    checked = 0
    for session, ledger in judge_sessions(messages, HostTeam(["msrivera", "mshost"], ["mrokafor"])):
        for judged in session:
            record = analysis_record(judged, ledger)
            line = analysis_line(judged, ledger)
            assert line == json.dumps(record, ensure_ascii=False)
            assert json.loads(line) == record
            checked += 1
    assert checked == len(messages)
