"""Figures the report computes that the renderers rely on."""

from __future__ import annotations

from conftest import Chat


def test_a_corrected_question_runs_until_the_next_question():
    chat = Chat()
    chat.say(0, "mshost", "Q1: How do you grade? #chat")
    chat.say(30, "mshost", "Q1: How do you grade homework? (typo, sorry) #chat")
    chat.say(60, "bob", "A1 points #chat")
    chat.say(600, "mshost", "Q2: Tools? #chat")
    chat.say(660, "bob", "A2 paper #chat")
    q1, q2 = chat.report().sessions[0].questions
    assert q1.duration_s == 600  # not 30: the re-post is the same question
    assert q1.host_replies == 0
    assert q2.duration_s == 60


def test_participants_are_people_not_spellings():
    chat = Chat()
    chat.say(0, "mshost", "Q1: Go #chat")
    chat.say(10, "bob", "A1 one #chat")
    chat.say(20, "Bob", "A1 two #chat")
    session = chat.report().sessions[0]
    assert session.participants == 1
    assert session.questions[0].participants == ["bob"]
    assert [p.author for p in session.top_participants] == ["bob"]
