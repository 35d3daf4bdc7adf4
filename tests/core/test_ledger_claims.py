"""One holder per ball, and actions refused when the ball changed since its author saw it."""

from __future__ import annotations

import pytest

from chatmod.core.events import BallAnswered, BallClaimed, BallDismissed, BallOpened, BallUnclaimed
from chatmod.core.ledger import Ledger, LedgerError, Refusal, Status
from tests.conftest import at


def _ledger() -> Ledger:
    return Ledger().apply_all([BallOpened("b", "bob", True, 1, 1, at("1:00"))])


def test_a_claim_on_a_ball_someone_else_holds_is_refused_with_the_holders_name() -> None:
    ledger = _ledger()
    ledger.apply(BallClaimed("b", "sam", at("2:00")))
    with pytest.raises(LedgerError, match="claimed by sam") as refused:
        ledger.check(BallClaimed("b", "ann", at("2:01")))
    assert refused.value.refusal is Refusal.HELD and refused.value.ball is not None
    assert refused.value.ball.claimed_by == "sam"


def test_only_the_holder_lets_a_ball_go() -> None:
    ledger = _ledger()
    ledger.apply(BallClaimed("b", "sam", at("2:00")))
    with pytest.raises(LedgerError, match="only they can unclaim"):
        ledger.check(BallUnclaimed("b", "ann", at("2:01")))
    ledger.apply(BallUnclaimed("b", "sam", at("2:02")))
    with pytest.raises(LedgerError, match="not claimed"):
        ledger.check(BallUnclaimed("b", "sam", at("2:03")))
    ledger.apply(BallClaimed("b", "ann", at("2:04")))  # free again: anyone may take it
    assert ledger.get("b").claimed_by == "ann"  # type: ignore[union-attr]


def test_every_event_raises_the_version_and_a_stale_action_is_refused_with_where_the_ball_stands() -> None:
    ledger = _ledger()
    ball = ledger.get("b")
    assert ball is not None and ball.version == 1
    ledger.check(BallDismissed("b", "ann", at("2:00")), seen=1)  # what ann saw is current
    ledger.apply(BallAnswered("b", "sam", at("2:00")))
    assert ball.version == 2 and ball.status is Status.ANSWERED
    with pytest.raises(LedgerError, match="changed since") as refused:
        ledger.check(BallDismissed("b", "ann", at("2:01")), seen=1)
    assert refused.value.refusal is Refusal.CHANGED and refused.value.ball is ball


def test_an_unknown_ball_is_refused_as_unknown() -> None:
    with pytest.raises(LedgerError) as refused:
        _ledger().check(BallClaimed("zz", "sam", at("2:00")))
    assert refused.value.refusal is Refusal.UNKNOWN and refused.value.ball is None
