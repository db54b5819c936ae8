"""The request state machine: every allowed transition, and every other one refused."""

from __future__ import annotations

import itertools

import pytest

from shiftdesk.services.request_flow import WITH_COUNTERPART, Action, Actor, TransitionRefused, next_status
from store.enums import RequestKind as K
from store.enums import RequestStatus as S

A, R, C, M, SYS = Action, Actor.REQUESTER, Actor.COUNTERPART, Actor.MANAGER, Actor.SYSTEM
ALLOWED = {
    (S.DRAFT, A.SUBMIT, R): S.PROPOSED,
    (S.PROPOSED, A.ACCEPT, C): S.ACCEPTED,
    (S.PROPOSED, A.DECLINE, C): S.REJECTED,
    (S.ACCEPTED, A.APPROVE, M): S.APPROVED,
    (S.ACCEPTED, A.APPROVE, SYS): S.APPROVED,
    (S.PROPOSED, A.REJECT, M): S.REJECTED,
    (S.ACCEPTED, A.REJECT, M): S.REJECTED,
    (S.APPROVED, A.APPLY, SYS): S.APPLIED,
    **{(s, A.WITHDRAW, R): S.WITHDRAWN for s in (S.DRAFT, S.PROPOSED, S.ACCEPTED)},
    **{(s, A.EXPIRE, SYS): S.EXPIRED for s in (S.DRAFT, S.PROPOSED, S.ACCEPTED)},
}
SOLO = {(S.PROPOSED, A.APPROVE, M): S.APPROVED, (S.PROPOSED, A.APPROVE, SYS): S.APPROVED}


@pytest.mark.parametrize("kind", list(K))
def test_every_transition_is_allowed_or_refused_as_specified(kind: K) -> None:
    expected = dict(ALLOWED) | ({} if kind in WITH_COUNTERPART else SOLO)
    if kind not in WITH_COUNTERPART:
        expected = {key: to for key, to in expected.items() if key[1] not in (A.ACCEPT,)}
    for status, action, actor in itertools.product(S, A, Actor):
        key = (status, action, actor)
        if key in expected:
            assert next_status(kind, status, action, actor) is expected[key], key
        else:
            with pytest.raises(TransitionRefused):
                next_status(kind, status, action, actor)


def test_refusals_say_why() -> None:
    with pytest.raises(TransitionRefused, match="the request is applied: it cannot be withdrawn"):
        next_status(K.SWAP, S.APPLIED, A.WITHDRAW, R)
    with pytest.raises(TransitionRefused, match="needs the colleague's acceptance"):
        next_status(K.SWAP, S.PROPOSED, A.APPROVE, M)
    with pytest.raises(TransitionRefused, match="only the manager or system may approve"):
        next_status(K.OVERTIME, S.PROPOSED, A.APPROVE, R)
