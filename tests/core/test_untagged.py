"""The one rule for untagged posts that mention the host team (chatmod.core.untagged): the same
meaning said other ways gets the same verdict, on every network."""

from __future__ import annotations

import pytest

from chatmod.core.models import Network
from chatmod.core.untagged import ChatCompany
from tests.conftest import chat


def _company() -> ChatCompany:
    company = ChatCompany()
    for message in chat([("q1", "0:00", "host", "Q1: what do you read? #edchat"),
                         ("a1", "2:00", "bob", "A1 novels #edchat")]):
        company.took(message)
    return company


@pytest.mark.parametrize("text", [
    "A5: peer review, every week cc @host",
    "a5) peer review @host",
    "@host A5 peer review",
    "A5. we use exit tickets, @host",
    "Q7 for @host: how do you grade?",
])
def test_the_chats_numbered_form_makes_it_the_chats(text: str) -> None:
    (message,) = chat([("x", "10:00", "newcomer", text)])
    assert _company().is_chats(message)


@pytest.mark.parametrize("text", [
    "@host loved this one",
    "great question @host",
    "thanks @host, that helped",
])
def test_someone_in_the_chat_this_session_who_mentions_the_host_is_in_the_chat(text: str) -> None:
    (message,) = chat([("x", "20:00", "bob", text)])
    assert _company().is_chats(message)
    (hours_later,) = chat([("x", "4:00:00", "bob", text)])
    assert not _company().is_chats(hours_later)  # the session is long over


@pytest.mark.parametrize("text", ["@host I agree", "so true", "@host @bob same here"])
def test_a_reply_to_a_message_of_the_chat_is_the_chats(text: str) -> None:
    (message,) = chat([("x", "10:00", "stranger", text, {"reply_to_id": "a1"})])
    assert _company().is_chats(message)
    (elsewhere,) = chat([("x", "10:00", "stranger", text, {"reply_to_id": "from-last-month"})])
    assert not _company().is_chats(elsewhere)


@pytest.mark.parametrize("text", [
    "@host when is your next webinar?",
    "hey @host, loved your blog post on grading",
    "I think @host wrote about this years ago",
])
def test_other_mentions_of_the_host_are_not_the_chat(text: str) -> None:
    (message,) = chat([("x", "10:00", "stranger", text)])
    assert not _company().is_chats(message)


def test_a_message_known_by_id_from_an_earlier_run_counts_for_replies() -> None:
    company = ChatCompany()
    company.took_id("stored-1")
    (message,) = chat([("x", "10:00", "stranger", "@host yes", {"reply_to_id": "stored-1"})])
    assert company.is_chats(message)


def test_bluesky_people_are_known_by_did_whatever_their_handle_shows() -> None:
    company = ChatCompany()
    first, later = chat([("a", "0:00", "did:plc:bob", "A1 maths #edchat", {"author_id": "did:plc:bob"}),
                         ("b", "5:00", "bob.bsky.social", "@host agreed", {"author_id": "did:plc:bob"})])
    first = first.model_copy(update={"network": Network.BLUESKY})
    later = later.model_copy(update={"network": Network.BLUESKY})
    company.took(first)
    assert company.is_chats(later)
