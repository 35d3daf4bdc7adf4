"""The five rules of DESIGN.md, case by case, as a careful host would judge them.

Each test class is one rule; each case is a line a host would recognise from a real chat.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from chatmod.core.events import AnsweredHow, SessionEnded
from chatmod.core.handles import HostTeam
from chatmod.core.ledger import LedgerError
from chatmod.core.models import Message, ReplySource
from chatmod.core.runtime import Action, ChatRuntime, run_all
from chatmod.core.sessions import SessionRules
from tests.conftest import at, chat, judge


class TestRule1Threading:
    @pytest.mark.parametrize("text", [
        "hi all, checking in #chat", "hello everyone! #chat", "Hey Jen, welcome #chat",
        "thanks everyone, see you next week #chat", "thank you @mshost!", "good night all 👋",
    ])
    def test_greetings_thanks_and_goodbyes_belong_to_no_question(self, text: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: what do you read?"), ("m", "1:00", "bob", text)])
        assert j["m"].thread is None

    @pytest.mark.parametrize("text", ["great point, agreed #chat", "I love it", "so true!"])
    def test_praise_and_agreement_take_up_the_question(self, text: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: what do you read?"), ("m", "1:00", "bob", text)])
        assert j["m"].thread == 1

    def test_a_reply_whose_parent_is_not_in_the_archive_carries_on_its_peoples_conversation(self) -> None:
        linked = {"reply_known": True}
        j = judge([("q1", "0:00", "mshost", "Q1: what do you read?", linked),
                   ("b1", "1:00", "bob", "@carol A1 do you read comics too?", {"reply_to_id": "q1"}),
                   ("c1", "1:30", "carol", "@bob yes, all the time", {"reply_to_id": "b1"}),
                   ("q2", "5:00", "mshost", "Q2: where do you read?", linked),
                   # a reply to a tweet the hashtag search missed (it dropped the tag)
                   ("b2", "6:00", "bob", "@carol which ones?", {"reply_to_id": "missing", "reply_to_author": "carol"}),
                   ("d1", "7:00", "dee", "@eve ha, same", {"reply_to_id": "gone", "reply_to_author": "eve"})])
        assert j["b2"].thread == 1  # bob and carol were last talking in Q1
        assert j["d1"].thread == 2  # dee and eve have not spoken: the current question

    @pytest.mark.parametrize(
        "text",
        ["Q1: What got you started?", "q1. what got you started?", "Q1 - what got you started?",
         "Q1) what got you started?", "Question 1: what got you started?", "#chat Q1: what got you started?",
         "@bob Q1: what got you started?", "Q1 What got you started? #chat"],
    )
    def test_host_openers_open_the_thread(self, text: str) -> None:
        j = judge([("q", "0:00", "mshost", text), ("a", "0:30", "bob", "I love it")])
        assert (j["q"].opens, j["q"].thread, j["a"].thread) == (1, 1, 1)

    @pytest.mark.parametrize(
        "text", ["3 more minutes on Q2", "Q2 is coming up next!", "Remember to tag Q1 answers with A1"]
    )
    def test_host_mentioning_a_question_opens_nothing(self, text: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: hello?"), ("x", "1:00", "mshost", text)])
        assert j["x"].opens is None and j["x"].thread == 1

    def test_participant_q_for_host_opens_nothing(self) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: hello?"), ("p", "1:00", "bob", "Q for @mshost: how long is the chat?")])
        assert j["p"].opens is None and j["p"].thread == 1 and j["p"].to_host and j["p"].question

    def test_cohost_opens_questions_too(self) -> None:
        j = judge([("q", "0:00", "cosam", "Q1: Who is new here?")])
        assert j["q"].opens == 1

    @pytest.mark.parametrize("text", ["A1: pencils", "a1) pencils", "A1 - pencils", "A1. pencils", "A1 (late) pencils", "A1 pencils", "pencils all the way A1 #chat"])
    def test_answer_tags_belong_to_their_question_whenever_posted(self, text: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: tools?"), ("q2", "9:00", "mshost", "Q2: books?"), ("a", "12:00", "bob", text)])
        assert j["a"].thread == 1 and j["a"].late

    def test_untagged_messages_take_the_latest_question(self) -> None:
        j = judge([("pre", "0:00", "bob", "hi all! #chat"), ("q1", "1:00", "mshost", "Q1: tools?"),
                   ("q2", "9:00", "mshost", "Q2: books?"), ("x", "10:00", "bob", "so many good ones")])
        assert (j["pre"].thread, j["x"].thread, j["x"].late) == (None, 2, False)

    def test_replies_follow_their_parent_and_reposts_their_original(self) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: tools?"), ("a1", "1:00", "bob", "A1 pencils"),
                   ("q2", "9:00", "mshost", "Q2: books?"),
                   ("r", "10:00", "carol", "@bob pencils forever", {"reply_to_id": "a1"}),
                   ("rt", "10:30", "dan", "RT @bob: A1 pencils", {"repost_of": "a1", "repost_of_author": "bob"}),
                   ("mrt", "11:00", "erin", "RT @mshost: Q1: tools?")])
        assert (j["r"].thread, j["rt"].thread, j["mrt"].thread) == (1, 1, 1)
        assert j["rt"].repost and j["mrt"].repost and not j["mrt"].to_host


class TestRule2Addressing:
    # A handle in the closing run of tags tags the account; the words around it decide whether
    # it is spoken to. Two unrelated chats, each said several ways.
    @pytest.mark.parametrize("text", [
        "A4: peer feedback and reflection #chat @mshost",
        "A4: peer feedback, then reflection #chat #highered @mshost",
        "A4 we do peer feedback @mshost #chat https://example.org/post",
        "A2: field trips to the river #scichat @mshost @bob",
        "A2 river field trips every spring https://example.org/trip #scichat @mshost",
    ])
    def test_a_handle_among_the_closing_tags_is_not_spoken_to(self, text: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q4: how do you give feedback?"), ("m", "1:00", "carol", text)])
        assert not j["m"].to_host

    @pytest.mark.parametrize("text", [
        "thanks @mshost #chat https://example.org/post",
        "what should we try next, @mshost #chat",
        "A4: how would you grade peer feedback? #chat @mshost",
        "A2: do you take them to the river too? #scichat @mshost",
        "happy to share our process @mshost #chat",
    ])
    def test_the_words_around_the_run_can_still_speak_to_it(self, text: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q4: how do you give feedback?"), ("m", "1:00", "carol", text)])
        assert j["m"].to_host

    @pytest.mark.parametrize("text", [
        "#chat @mshost how did you all find tonight? what should we try next?",
        "#chat @mshost loved tonight",
        "#scichat #edchat @mshost which kit do you use?",
    ])
    def test_leading_hashtags_do_not_stop_the_handle_leading(self, text: str) -> None:
        j = judge([("b0", "0:00", "bob", "hi #chat"), ("m", "1:00", "carol", text)])
        assert j["m"].to_host and j["m"].reason == "leading"

    @pytest.mark.parametrize(
        "text, reason",
        [("@mshost I use rubrics", "leading"), ("@MsHost @bob agreed", "leading"), ("@cosam love that", "leading"),
         ("thanks @mshost!", "direct"), ("curious, @mshost, how do you grade?", "direct"),
         ("what do you think, @mshost?", "direct"), ("Great chat today @mshost", "direct"),
         ("Great chat. @mshost do you share the slides?", "direct"), ("So @mshost what's next?", "direct"),
         ("@bob @mshost thank you both!", "plural"), ("great chat today @mshost 🙌 gotta run", "direct"),
         ("@bob love that, what do you think @mshost?", "direct")],
    )
    def test_addressed(self, text: str, reason: str) -> None:
        j = judge([("b0", "0:00", "bob", "hi #chat"), ("m", "1:00", "carol", text)])
        assert j["m"].to_host and j["m"].reason == reason

    @pytest.mark.parametrize(
        "text",
        ["Honest question @mshost do you grade homework?", "So @mshost what's your take", "Hey @mshost!",
         "Quick one for @mshost: how long do you plan?", "Question to @mshost: any tips for new teachers?",
         "Wait @mshost are you in Ohio too?", "Real talk @mshost how do you keep up?"],
    )
    def test_spoken_to_wherever_the_handle_stands(self, text: str) -> None:
        """The sentence speaks to the host, with or without punctuation around the handle."""
        j = judge([("b0", "0:00", "bob", "hi #chat"), ("m", "1:00", "carol", text)])
        assert j["m"].to_host and j["m"].reason == "direct"

    @pytest.mark.parametrize(
        "text",
        ["I agree with @mshost: slides matter", "Not sure @mshost would agree", "ask @mshost if you can join",
         "I did it for @mshost - she asked", "wow @mshost is fast"],
    )
    def test_spoken_about_wherever_the_handle_stands(self, text: str) -> None:
        j = judge([("b0", "0:00", "bob", "hi #chat"), ("m", "1:00", "carol", text)])
        assert not j["m"].to_host

    @pytest.mark.parametrize(
        "text",
        ["@bob @mshost I agree with you bob", "I think @mshost covered that", "as @mshost said, start small",
         "@mshost's blog is great", "I agree with @mshost", "RT @mshost: Q1: tools?", "via @mshost: great list",
         "HT @mshost for this", "h/t @mshost", "MT @mshost: tools matter", "cc @mshost", "follow @mshost for more"],
    )
    def test_not_addressed(self, text: str) -> None:
        j = judge([("b0", "0:00", "bob", "hi #chat"), ("m", "1:00", "carol", text)])
        assert not j["m"].to_host

    def test_explicit_reply_to_host_is_addressed(self) -> None:
        j = judge([("h", "0:00", "mshost", "Welcome all!"), ("m", "1:00", "bob", "so glad to be here", {"reply_to_id": "h"})])
        assert j["m"].to_host and j["m"].reason == "reply"

    def test_host_team_messages_are_never_balls(self) -> None:
        j = judge([("m", "0:00", "cosam", "@mshost what's Q2?")])
        assert not j["m"].to_host and j.ledger.get("m") is None

    def test_reposts_are_never_balls(self) -> None:
        j = judge([("m", "0:00", "bob", "RT @carol: @mshost how do you grade?")])
        assert not j["m"].to_host

    def test_mastodon_handles_match_with_or_without_instance(self) -> None:
        team = HostTeam(["mshost@chat.example"])
        assert team.matches("MsHost") and team.matches("mshost@chat.example")
        assert not team.matches("mshost@elsewhere.example")
        assert HostTeam(["mshost"]).matches("mshost@chat.example")

    def test_bluesky_host_by_did(self) -> None:
        team = HostTeam(["did:plc:abc"])
        assert team.matches("alice.bsky.social", "did:plc:abc") and not team.matches("alice.bsky.social", "did:plc:x")


class TestRule3Questions:
    # Each principle of rule 3 in two unrelated chats, and the same meaning said other ways.
    @pytest.mark.parametrize("text", [
        "is the recording going to be posted", "will the recording be posted later",
        "does the recording go up afterwards", "are the recordings going online",
        "will the slides be shared after", "can the slides be shared", "are your slides online somewhere",
        "should our students use the planner daily",
    ])
    def test_an_auxiliary_before_its_subject_asks_without_a_question_mark(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", f"@mshost {text}")])
        assert j["m"].question

    @pytest.mark.parametrize("text", [
        "would appreciate a pointer to the slides", "I'd appreciate a link to the slides",
        "we would welcome a copy of the slides", "I'd be grateful for the reading list",
        "would really appreciate any pointers on rubrics",
    ])
    def test_a_polite_wish_to_be_given_something_is_a_request(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", f"@mshost {text}")])
        assert j["m"].question

    @pytest.mark.parametrize("text", [
        "isn't that the ideal?", "isn't this the whole point of feedback?", "doesn't that just make sense?",
        "aren't those the best kind of lessons?", "who would've thought?", "who could have guessed?",
        "I was curious if there was a neater way", "was just wondering whether the CLI had a flag",
        "we were curious how other schools did it",
        "Have a great night all", "Was the best chat in ages", "Will do!",
    ])
    def test_agreement_seeking_past_wondering_and_statements_ask_nothing(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", f"@mshost {text}")])
        assert j["m"].to_host and not j["m"].question

    @pytest.mark.parametrize("text", [
        "I was wondering if you could share the slides", "was curious whether you'd post the list",
        "we were wondering if you had a template",
    ])
    def test_a_past_wondering_put_to_someone_still_asks(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", f"@mshost {text}")])
        assert j["m"].question

    @pytest.mark.parametrize(
        "text",
        ["@mshost how do you grade?", "@mshost how do you handle grading", "@mshost any tips for new teachers",
         "@mshost would love a link to that", "@mshost can you share the slides", "@mshost I'm curious how you run PLCs",
         "@mshost what do you think about AI feedback", "@mshost I use rubrics. Do you?",
         "@mshost I wonder how you'd run buddies with 35 kids", "@mshost I have 3 kids with IEPs and I don't know where to start",
         "@mshost A3: I didn't know this was a thing 😳 how do you find out who has no wifi?",
         "@mshost A1: my mentor uses nearpod. is nearpod worth learning?", "@mshost A2 + do you have a list?"],
    )
    def test_questions(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", text)])
        assert j["m"].question

    @pytest.mark.parametrize(
        "text",
        ["@mshost aren't we all?", "@mshost who knew this could be fun?!", "@mshost it's all about trust, right?",
         "@mshost how cool is that?", "@mshost anyone else use Flipgrid?", "@mshost thanks for hosting!",
         "@mshost I use rubrics", "@mshost thank you!! isn't that the dream, a mentor down the hall? 😍",
         "@mshost honestly? that I won't be able to tell what's theirs anymore",
         "@mshost A3: desmos has an offline mode in the app? I think? someone fact check me 😂",
         "@mshost A3: google forms in every language? or is that cheating 😂"],
    )
    def test_not_questions(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", text)])
        assert j["m"].to_host and not j["m"].question

    @pytest.mark.parametrize(
        "text",
        ["@mshost where did the hour go?!", "@mshost can you believe it's Q5 already?",
         "@mshost why didn't I join sooner??", "@mshost am I the only one who loves this?",
         "@mshost I went to the meetup and made a list of what to learn",
         "@mshost at work we use Pester, so I've been building a test module",
         "@mshost I need to learn how to use git",
         "@mshost Thanks! If anyone here has written for a magazine, I'd love to hear from you. Please DM me",
         "@mshost Ok, thanks. I was using the CLI anyway. Was just wondering if there was a neater way :)",
         "@mshost I hate memorizing. I hope this can help me never look up the syntax again"],
    )
    def test_exclamations_and_reports_expect_no_answer(self, text: str) -> None:
        """Addressed to the host, shaped like a question or full of "how", and still asking nothing."""
        j = judge([("m", "0:00", "bob", text)])
        assert j["m"].to_host and not j["m"].question

    @pytest.mark.parametrize(
        "text",
        ["@mshost would love your take on grading", "@mshost any pointers for a first chat",
         "@mshost can you share the link?!", "@mshost I need to know where the slides are", "@mshost how do I start?",
         "@mshost I was wondering if you could share the slides", "@mshost help me pick a first module",
         "@mshost if anyone asks, I'm in. how do you run yours?", "@mshost could you help me with Pester"],
    )
    def test_real_requests_stay_questions_without_a_question_mark(self, text: str) -> None:
        j = judge([("m", "0:00", "bob", text)])
        assert j["m"].question

    def test_only_addressed_messages_are_questions(self) -> None:
        j = judge([("m", "0:00", "bob", "@carol how do you grade?")])
        assert not j["m"].question


class TestRule4Inference:
    def test_leading_block_links_to_the_authors_latest_message(self) -> None:
        j = judge([("h1", "0:00", "mshost", "Q1: tools?"), ("h2", "1:00", "mshost", "love these answers"),
                   ("m", "2:00", "bob", "@mshost pencils!")])
        assert (j["m"].reply_to_id, j["m"].reply_source) == ("h2", ReplySource.INFERRED)

    def test_prefers_the_message_that_spoke_to_the_replier(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost how do you grade?"), ("h1", "1:00", "mshost", "@bob rubrics, always"),
                   ("h2", "1:30", "mshost", "@carol welcome!"), ("m", "2:00", "bob", "@mshost thanks!")])
        assert j["m"].reply_to_id == "h1"

    def test_preference_looks_back_fifteen_minutes(self) -> None:
        # gina spoke to frank 15m20s ago: too old to prefer, so frank replies to her latest.
        j = judge([("q1", "0:00", "mshost", "Q1: tools?"), ("g1", "1:00", "gina", "@frank hi friend!"),
                   ("q2", "5:00", "mshost", "Q2: books?"), ("g2", "10:00", "gina", "A2 all the graphic novels"),
                   ("f", "16:20", "frank", "@gina omg hi!")])
        assert j["f"].reply_to_id == "g2" and j["f"].thread == 2

    def test_a_cc_is_not_spoken_to(self) -> None:
        # nora copied the host on a reply to hal; the host's "@nora" answers her own latest point.
        j = judge([("h0", "0:00", "hal", "A1 slides"), ("n1", "0:30", "nora", "@hal @mshost show me it saves time"),
                   ("n2", "3:00", "nora", "A1: paper isn't failure, it's equity"),
                   ("h", "3:20", "mshost", "@nora say it louder!")])
        assert j["h"].reply_to_id == "n2"

    def test_no_parent_when_the_author_has_not_spoken(self) -> None:
        j = judge([("m", "0:00", "bob", "@carol hi!")])
        assert j["m"].reply_to_id is None and j["m"].reply_to_author == "carol"

    def test_explicit_links_stay_explicit(self) -> None:
        j = judge([("h", "0:00", "mshost", "hi"), ("m", "1:00", "bob", "@mshost hi", {"reply_to_id": "h"})])
        assert j["m"].reply_source == ReplySource.EXPLICIT

    # carol was welcomed during Q1; in Q2 she speaks to the host with no reply link.
    _NEW_MESSAGE = (("q1", "0:00", "mshost", "Q1: tools?"), ("h1", "1:00", "mshost", "@carol welcome!"),
                    ("q2", "9:00", "mshost", "Q2: books?"))

    def test_where_the_data_keeps_reply_links_a_leading_block_is_a_new_message(self) -> None:
        j = judge([*self._NEW_MESSAGE, ("m", "10:00", "carol", "@mshost what is your favourite?",
                                        {"reply_known": True})])
        assert (j["m"].reply_to_id, j["m"].reply_source, j["m"].thread) == (None, None, 2)
        assert j["m"].to_host and j["m"].reply_to_author is None  # spoken to, replying to nothing

    def test_where_the_archive_lost_its_links_the_reply_is_inferred(self) -> None:
        j = judge([*self._NEW_MESSAGE, ("m", "10:00", "carol", "@mshost what is your favourite?")])
        # The reply goes with the welcome it is taken to answer, which belongs to no question.
        assert (j["m"].reply_to_id, j["m"].reply_source, j["m"].thread) == ("h1", ReplySource.INFERRED, None)

    def test_a_session_that_carried_a_reply_link_records_them(self) -> None:
        # The records do not say whether they keep links, but one of them had a link: they do.
        j = judge([*self._NEW_MESSAGE, ("b", "9:30", "bob", "A2 comics", {"reply_to_id": "q2"}),
                   ("m", "10:00", "carol", "@mshost what is your favourite?")])
        assert (j["m"].reply_to_id, j["m"].thread) == (None, 2)

    def test_an_unlinked_message_is_not_answered_by_a_host_reply_to_an_older_one(self) -> None:
        # Linked data: dan's new question in Q2 is not the thing the host answered in Q1.
        linked = {"reply_known": True}
        j = judge([("q1", "0:00", "mshost", "Q1: tools?", linked),
                   ("d1", "1:00", "dan", "@mshost do you use slides?", linked),
                   ("h1", "2:00", "mshost", "@dan yes, always", {"reply_to_id": "d1"}),
                   ("q2", "9:00", "mshost", "Q2: books?", linked),
                   ("d2", "10:00", "dan", "@mshost which one first?", linked)])
        assert (j["d2"].reply_to_id, j["d2"].thread, j.status("d2")) == (None, 2, "dropped")

    def test_no_inference_across_sessions(self) -> None:
        j = judge([("h", "0:00", "mshost", "bye all"), ("m", "4:00:00", "bob", "@mshost late reply")])
        assert j["m"].reply_to_id is None and j["m"].session == 2


class TestRule5Answered:
    def test_each_answer_says_what_made_it_one(self) -> None:
        j = judge([("b1", "0:00", "bob", "@mshost how do you grade?"), ("h1", "1:00", "mshost", "@bob rubrics!"),
                   ("c1", "2:00", "carol", "@mshost do you share them?"),
                   ("c2", "2:30", "carol", "@mshost also, which tool?", {"reply_to_id": "c1"}),
                   ("x", "3:00", "cosam", "sure", {"reply_to_id": "c2"}),
                   ("d1", "4:00", "dan", "@mshost any book tips?"),
                   ("h2", "5:00", "mshost", "Great question @dan, I'll post a list")])
        how = {ball: j.ledger.get(ball).answered_how for ball in ("b1", "c1", "c2", "d1")}  # type: ignore[union-attr]
        assert how == {"b1": "reply", "c1": "same_exchange", "c2": "reply", "d1": "to_author"}

    def test_a_moderators_mark_says_so(self) -> None:
        from chatmod.core.events import AnsweredHow

        j = judge([("b1", "0:00", "bob", "@mshost how do you grade?")])
        j.runtime.act(Action.ANSWERED, "b1", "sam", at("1:00"))
        ledger = j.runtime.engine.ledger if "b1" in j.runtime.engine.ledger else j.runtime.previous
        ball = ledger.get("b1")
        assert ball is not None and (ball.answered_by, ball.answered_how) == ("sam", AnsweredHow.MODERATOR)

    def test_host_reply_answers_the_ball(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost how do you grade?"), ("h", "1:30", "mshost", "@bob rubrics!")])
        assert j.answered_by("b") == "h"

    def test_cohost_reply_answers(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost how do you grade?"), ("h", "1:30", "cosam", "@bob she uses rubrics")])
        assert j.answered_by("b") == "h"

    def test_text_addressed_host_message_answers_latest_open_ball(self) -> None:
        j = judge([("b1", "0:00", "bob", "@mshost how do you grade?"), ("b2", "5:00", "bob", "@mshost also, any rubric templates?"),
                   ("h", "6:00", "mshost", "Great question @bob, I'll share mine after the chat")])
        assert (j.status("b1"), j.answered_by("b2")) == ("dropped", "h")

    # Where the data keeps reply links, a host's new post that leads with a participant's handle
    # (no reply link) speaks to that participant: DESIGN rule 5's "to the author".
    _LINKED = {"reply_known": True}

    @pytest.mark.parametrize("answer", [
        "@sam short answer: rubrics, every time",
        ".@sam rubrics, every time",
        "@Sam: rubrics!",
        "@sam @bob we use rubrics",  # bob is copied in
    ])
    def test_a_new_post_that_leads_with_the_participants_handle_answers_them(self, answer: str) -> None:
        j = judge([("q1", "0:00", "mshost", "Q1: how do you grade?", self._LINKED),
                   ("s1", "1:00", "sam", "how do you grade group work, @mshost?", {"reply_to_id": "q1"}),
                   ("b1", "1:30", "bob", "@mshost do you use peer review?", {"reply_to_id": "q1"}),
                   ("h", "3:00", "mshost", answer, self._LINKED)])
        assert (j.answered_by("s1"), j.status("b1")) == ("h", "dropped")
        assert j.ledger.get("s1").answered_how == "to_author"  # type: ignore[union-attr]

    @pytest.mark.parametrize("answer", [
        "@dee the library has them on loan",
        ".@dee try the library",
        "@dee I'd ask the library first",
    ])
    def test_the_same_principle_in_another_chat(self, answer: str) -> None:
        j = judge([("d1", "0:00", "dee", "@mshost where do students get laptops?", self._LINKED),
                   ("h", "0:45", "mshost", answer, self._LINKED)])
        assert j.answered_by("d1") == "h"

    def test_of_several_open_balls_the_one_whose_topic_it_takes_up(self) -> None:
        j = judge([("s1", "0:00", "sam", "@mshost which rubric works for group projects?", self._LINKED),
                   ("s2", "2:00", "sam", "@mshost also, is the recording going up later?", self._LINKED),
                   ("h", "3:00", "mshost", "@sam for group projects a shared rubric works", self._LINKED)])
        assert (j.answered_by("s1"), j.status("s2")) == ("h", "dropped")
        k = judge([("s1", "0:00", "sam", "@mshost which rubric works for group projects?", self._LINKED),
                   ("s2", "2:00", "sam", "@mshost also, is the recording going up later?", self._LINKED),
                   ("h", "3:00", "mshost", "@sam yes, thanks", self._LINKED)])
        assert (k.status("s1"), k.answered_by("s2")) == ("dropped", "h")  # nothing taken up: the latest

    def test_a_reply_link_still_wins(self) -> None:
        j = judge([("s1", "0:00", "sam", "@mshost which rubric for group projects?", self._LINKED),
                   ("s2", "6:00", "sam", "@mshost is the recording going up later?", self._LINKED),
                   ("h", "7:00", "mshost", "@sam it goes up tomorrow, group projects rubric too", {"reply_to_id": "s2"})])
        assert (j.status("s1"), j.answered_by("s2")) == ("dropped", "h")

    def test_burst_is_answered_as_a_whole(self) -> None:
        j = judge([("b1", "0:00", "bob", "@mshost how do you grade projects?"), ("b2", "0:40", "bob", "@mshost specifically group projects"),
                   ("h", "2:00", "mshost", "@bob peer reviews + a rubric")])
        assert j.answered_by("b1") == j.answered_by("b2") == "h"
        assert j.ledger.get("b2").burst_of == "b1"  # type: ignore[union-attr]

    def test_detail_carries_a_question_on_but_context_does_not(self) -> None:
        j = judge([("c1", "0:00", "carol", "@mshost how do you set up centers without an aide?"),
                   ("c2", "0:30", "carol", "@mshost ...and specifically for 3rd graders"),
                   ("c3", "1:00", "carol", "@mshost (28 kids, one room, one me 😅)"),
                   ("h", "2:00", "mshost", "@carol picture task cards!", {"reply_to_id": "c3"})])
        assert (j["c2"].question, j["c3"].question) == (True, False)
        assert {j.answered_by(b) for b in ("c1", "c2", "c3")} == {"h"}

    def test_a_burst_survives_an_inferred_link_to_a_newer_host_message(self) -> None:
        # The host posted Q5 just before fin's first message; fin's second links to it, not to
        # what the first linked to, yet both are one point and one reply answers both.
        j = judge([("q4", "0:00", "mshost", "Q4: AI?"), ("q5", "10:00", "mshost", "Q5: access?"),
                   ("f1", "10:05", "fin", "@mshost A5: I have 3 kids with IEPs and don't know where to start"),
                   ("f2", "10:15", "fin", "@mshost A5 cont: one is nonverbal. where do I even begin"),
                   ("h", "11:00", "mshost", "@fin one kid, one tool, one month", {"reply_to_id": "f2"})])
        assert j.answered_by("f1") == j.answered_by("f2") == "h"

    def test_separate_points_are_answered_separately(self) -> None:
        j = judge([("b1", "0:00", "bob", "@mshost A1 I use Kahoot"), ("b2", "0:40", "bob", "@mshost how do you grade group projects?"),
                   ("h", "2:00", "mshost", "@bob peer reviews + a rubric")])
        assert (j.status("b1"), j.answered_by("b2")) == ("dropped", "h")

    def test_reply_later_in_the_same_exchange_answers_the_ball(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost do you use rubrics?"), ("c", "1:00", "carol", "@bob we do!", {"reply_to_id": "b"}),
                   ("b2", "2:00", "bob", "@carol @mshost nice, single-point ones?", {"reply_to_id": "c"}),
                   ("h", "3:00", "mshost", "@bob yes, single-point", {"reply_to_id": "b2"})])
        assert j.answered_by("b") == "h"

    def test_host_retweet_is_not_an_answer(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost A1 pencils"), ("rt", "1:00", "mshost", "RT @bob: @mshost A1 pencils", {"repost_of": "b", "repost_of_author": "bob"})])
        assert j.status("b") == "dropped"

    def test_first_response_wins(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost how?"), ("h1", "1:00", "cosam", "@bob like this"), ("h2", "2:00", "mshost", "@bob and this")])
        assert j.answered_by("b") == "h1"

    def test_never_answered_across_sessions(self) -> None:
        j = judge([("b", "0:00", "bob", "@mshost how do you grade?"), ("h", "3:30:00", "mshost", "@bob rubrics!")])
        assert j.status("b") == "dropped" and j["h"].session == 2
        ended = [e for e in j.events if isinstance(e, SessionEnded)]
        assert [e.session for e in ended] == [1, 2]

    def test_a_host_reply_takes_up_the_post_it_is_about(self) -> None:
        """No reply link: "@bob …saves me time" answers bob's time-saver post, not his later aside."""
        j = judge([("t", "0:00", "bob", "Built custom tests for our policies, a huge time saver"),
                   ("h0", "1:00", "mshost", "@carol the summit is in April"),
                   ("w", "1:30", "bob", "@mshost @carol I wish I could go this year"),
                   ("h", "2:30", "mshost", "@bob I love it when a script saves me time")])
        assert j["h"].reply_to_id == "t"
        assert j.status("w") == "dropped"

    def test_a_second_message_on_another_subject_is_its_own_ball(self) -> None:
        """A burst is one point told in pieces; a line about something else is another point."""
        j = judge([("p", "0:00", "mike", "@mshost that podcast episode is a must listen"),
                   ("f", "1:50", "mike", "@mshost diving deep into the logging framework this month"),
                   ("h", "2:30", "mshost", "@mike link to the podcast episode or it didn't happen!",
                    {"reply_to_id": "p"})])
        assert j.answered_by("p") == "h" and j.status("f") == "dropped"
        j = judge([("q", "0:00", "kara", "@mshost does your district loan devices to families?"),
                   ("c", "0:05", "kara", "@mshost asking bc our ipads sit in a cart all summer"),
                   ("h", "1:00", "mshost", "@kara we do, with a signed agreement", {"reply_to_id": "q"})])
        assert j.answered_by("c") == "h"

    def test_one_shared_word_does_not_move_a_reply(self) -> None:
        j = judge([("m", "0:00", "bob", "@mshost I wrote a module so I type less"),
                   ("r", "3:00", "bob", "@mshost this resource looks promising"),
                   ("h", "5:00", "mshost", "@bob my worry: it teaches what to type, not why")])
        assert j["h"].reply_to_id == "r" and j.answered_by("r") == "h"

    def test_a_reply_in_the_exchange_answers_a_participant_named_second(self) -> None:
        rows = [("g1", "0:00", "greg", "@mshost working with Microsoft Graph"),
                ("h1", "1:00", "mshost", "@greg lucky me, never touched Graph"),
                ("m1", "2:00", "mike", "@greg @mshost the graph api is not my friend"),
                ("g2", "2:10", "greg", "@mshost I'd go with lucky. Using Graph Plus Plus now")]
        j = judge([*rows, ("h2", "3:00", "mshost", "@mike @greg my impression: the Graph API is a moving target")])
        ball = j.ledger.get("g2")
        assert ball is not None and (ball.answered_message, ball.answered_how) == ("h2", AnsweredHow.SAME_EXCHANGE)
        # Same exchange, another topic: greg's post stays dropped.
        j = judge([*rows, ("h2", "3:00", "mshost", "@mike @greg ha, coworkers indeed")])
        assert j.status("g2") == "dropped"


class TestModeratorActions:
    def _runtime(self) -> ChatRuntime:
        runtime = ChatRuntime(HostTeam(["mshost"]))
        runtime.receive_all(chat([("b", "0:00", "bob", "@mshost how?")]))
        return runtime

    def test_claim_dismiss_reopen_answer(self) -> None:
        runtime = self._runtime()
        runtime.act(Action.CLAIM, "b", "cosam", at("0:30"))
        assert runtime.ball("b").claimed_by == "cosam"  # type: ignore[union-attr]
        runtime.act(Action.DISMISS, "b", "cosam", at("0:40"))
        runtime.act(Action.REOPEN, "b", "mshost", at("0:50"))
        runtime.act(Action.ANSWERED, "b", "mshost", at("1:00"))
        assert runtime.ball("b").status.value == "answered"  # type: ignore[union-attr]
        runtime.finish()
        assert runtime.ball("b").status.value == "answered"  # type: ignore[union-attr]

    def test_illegal_actions_are_refused(self) -> None:
        runtime = self._runtime()
        with pytest.raises(LedgerError, match="no ball"):
            runtime.act(Action.CLAIM, "nope", "cosam", at("0:30"))
        runtime.act(Action.DISMISS, "b", "cosam", at("0:40"))
        with pytest.raises(LedgerError, match="b is dismissed; it cannot be claimed"):
            runtime.act(Action.CLAIM, "b", "cosam", at("0:50"))
        with pytest.raises(LedgerError, match="b is dismissed; it cannot be dismissed"):
            runtime.act(Action.DISMISS, "b", "cosam", at("0:55"))

    def test_dismissed_ball_is_not_answered_later_and_not_dropped(self) -> None:
        runtime = self._runtime()
        runtime.act(Action.DISMISS, "b", "cosam", at("0:40"))
        runtime.receive_all(chat([("h", "1:00", "mshost", "@bob thanks")]))
        runtime.finish()
        assert runtime.ball("b").status.value == "dismissed"  # type: ignore[union-attr]
def test_session_gap_is_configurable() -> None:
    runtime = ChatRuntime(HostTeam(["mshost"]), rules=SessionRules(gap=timedelta(minutes=30)))
    events = run_all(runtime, chat([("a", "0:00", "bob", "hi"), ("b", "45:00", "bob", "hi again")]))
    assert sum(isinstance(e, SessionEnded) for e in events) == 2


def test_messages_are_plain_values() -> None:
    m = Message(network="twitter", id="1", author="a", created_at=at("0:00"), text="x")
    with pytest.raises(ValidationError):
        m.text = "y"  # type: ignore[misc]


class TestCasesFromRealChats:
    """Shapes met while reading whole sessions of the #PSTweetChat archive (texts paraphrased)."""

    def test_question_mark_right_after_a_handle_still_asks(self) -> None:
        j = judge([("m", "0:00", "bob", "@mshost Those are only the numbers from @github? I bet the rest is higher")])
        assert j["m"].question

    def test_tell_me_about_it_is_agreement_not_a_request(self) -> None:
        j = judge([("m", "0:00", "bob", "@mshost Tell me about it 😅 #chat")])
        assert j["m"].to_host and not j["m"].question

    def test_a_reply_seconds_after_a_ball_was_written_before_reading_it(self) -> None:
        # The host's reply lands 5 s after bob's new remark: it answers bob's earlier message.
        j = judge([("b1", "0:00", "bob", "Who has moved to version 7 already?"),
                   ("b2", "1:12", "bob", "@mshost that's not the date format I expected"),
                   ("h", "1:17", "mshost", "@bob I'm more curious when people switch terminals")])
        assert j["h"].reply_to_id == "b1" and j.status("b2") == "dropped"

    def test_text_only_retweet_follows_the_original_thread(self) -> None:
        # TAGS keeps a retweet only as "RT @host: Q2 ..." text, with no link to the original.
        j = judge([("q1", "0:00", "mshost", "Q1: tools?"), ("q2", "5:00", "mshost", "Q2. books?"),
                   ("q3", "10:00", "mshost", "Q3: phones?"),
                   ("rt", "11:00", "carol", "RT @mshost: Q2. books?", {"repost_of_author": "mshost"})])
        assert j["rt"].thread == 2 and j["rt"].repost
