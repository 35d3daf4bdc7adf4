"""Tweets saved from R (twitteR's twListToDF, rtweet's write_as_csv): columns by name, NA, R's
character escapes, retweets, Windows-1252 files, and the real #LTHEchat archive."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reader_helpers import messages, read, read_file, rejections

from chatmod.formats.rcsv import SPEC, undo_r_escapes

TWITTER_R = ["", "text", "favorited", "favoriteCount", "replyToSN", "created", "truncated", "replyToSID", "id",
             "replyToUID", "statusSource", "screenName", "retweetCount", "isRetweet", "retweeted", "longitude",
             "latitude"]
RTWEET = ["user_id", "status_id", "created_at", "screen_name", "text", "source", "reply_to_status_id",
          "reply_to_user_id", "reply_to_screen_name", "is_quote", "is_retweet", "favorite_count"]


def twitter_r(*rows: dict[str, str]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(TWITTER_R)
    for n, cells in enumerate(rows, 1):
        row = {"": str(n), "favorited": "FALSE", "favoriteCount": "0", "replyToSN": "NA", "truncated": "FALSE",
               "replyToSID": "NA", "replyToUID": "NA", "statusSource": "<a href=\"x\">web</a>",
               "retweetCount": "0", "isRetweet": "FALSE", "retweeted": "FALSE", "longitude": "NA",
               "latitude": "NA"} | cells
        writer.writerow([row.get(name, "NA") for name in TWITTER_R])
    return out.getvalue()


QUESTION = {"text": "Q1 How do you use learning spaces? #LTHEchat", "created": "2017-04-05 19:00:45",
            "id": "849709373233471488", "screenName": "LTHEchat"}
REPLY = {"text": "@LTHEchat A1 mostly the library &amp; cafes <U+2019>n stuff #LTHEchat", "created": "2017-04-05 19:02:10",
         "id": "849709730219073537", "screenName": "sue_t", "replyToSN": "LTHEchat",
         "replyToSID": "849709373233471488", "replyToUID": "2311100000"}
RETWEET = {"text": "RT @sue_t: @LTHEchat A1 mostly the library #LTHEchat", "created": "2017-04-05 19:03:00",
           "id": "849709940000000000", "screenName": "bob", "isRetweet": "TRUE", "retweetCount": "2"}


def test_twitter_r_rows_read_by_column_name() -> None:
    question, reply, retweet = messages(read(SPEC, twitter_r(QUESTION, REPLY, RETWEET)))
    assert question.author == "LTHEchat" and question.reply_to_id is None and question.reply_to_author is None
    assert question.created_at == datetime(2017, 4, 5, 19, 0, 45, tzinfo=UTC)
    assert reply.reply_to_id == "849709373233471488" and reply.reply_to_author == "LTHEchat"
    assert reply.text == "@LTHEchat A1 mostly the library & cafes ’n stuff #LTHEchat"
    assert [m.handle for m in reply.mentions] == ["LTHEchat"] and reply.hashtags == ("LTHEchat",)
    assert retweet.repost_of_author == "sue_t" and question.repost_of_author is None
    assert reply.url == "https://twitter.com/sue_t/status/849709730219073537"


def test_rtweet_ids_keep_their_x_and_columns_differ() -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RTWEET)
    writer.writerow(["x2311100000", "x849709730219073537", "2017-04-05 19:02:10", "sue_t", "@LTHEchat A1 yes",
                     "web", "x849709373233471488", "x2311100000", "LTHEchat", "FALSE", "FALSE", "0"])
    [m] = messages(read(SPEC, out.getvalue()))
    assert m.id == "849709730219073537" and m.author_id == "2311100000"
    assert m.reply_to_id == "849709373233471488" and m.reply_to_author == "LTHEchat"


@pytest.mark.parametrize(("written", "meant"), [
    ("Wed <ed><U+00A0><U+00BD><ed><U+00B5><U+0097> at 8", "Wed 🕗 at 8"),  # CESU-8, byte by byte
    ("<f0><U+009F><U+0098><U+0080> hi", "😀 hi"),  # UTF-8, byte by byte
    ("it<U+2019>s", "it’s"),
    ("a <b> tag and <ed> alone", "a <b> tag and <ed> alone"),  # not a decodable run: left alone
])
def test_r_escapes_are_turned_back_into_characters(written: str, meant: str) -> None:
    assert undo_r_escapes(written) == meant


def test_bad_rows_are_rejected_with_the_reason() -> None:
    text = twitter_r({"text": "no id", "created": "2017-04-05 19:00:00", "id": "NA", "screenName": "a"},
                     {"text": "bad time", "created": "yesterday", "id": "849709373233471499", "screenName": "a"},
                     QUESTION)
    items = read(SPEC, text)
    assert [r.reason for r in rejections(items)] == ["missing id", "created 'yesterday' is not a time"]
    assert len(messages(items)) == 1
    [header] = rejections(read(SPEC, '"","text","created"\n"1","x","2017-04-05 19:00:00"\n'))
    assert "no id, screenName column" in header.reason


def test_a_windows_1252_file_is_detected_and_read(tmp_path: Path) -> None:
    path = tmp_path / "lthe.csv"
    path.write_bytes(twitter_r(REPLY | {"text": "@LTHEchat A1 caf\u00e9s \u2026 #LTHEchat"}).encode("cp1252"))
    name, items = read_file(path)
    assert name == "rcsv" and messages(items)[0].text == "@LTHEchat A1 cafés … #LTHEchat"


CORPUS = Path(__file__).parents[3] / "shared" / "corpus" / "lthechat-2017-04.csv"


@pytest.mark.skipif(not CORPUS.exists(), reason="the corpus is not beside the repository")
def test_the_real_lthechat_archive_reads_whole() -> None:
    name, items = read_file(CORPUS)
    found = messages(items)
    assert name == "rcsv" and not rejections(items) and len(found) == 872
    assert sum(m.repost_of_author is not None for m in found) == 186
    assert not any("<U+" in m.text or "\ufffd" in m.text for m in found)
