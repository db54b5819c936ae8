"""The request state machine: which action moves a request from which state, and who may take it.

    draft --submit--> proposed --accept (counterpart)--> accepted --approve--> approved --apply--> applied
                      proposed --approve (no counterpart: overtime, time off)--> approved
    proposed/accepted --reject (manager) or decline (counterpart)--> rejected
    draft/proposed/accepted --withdraw (requester)--> withdrawn, --expire (the shift started)--> expired

Pure: the service asks `next_status` before it writes anything, so a refused
transition changes nothing and says why.
"""

from __future__ import annotations

from enum import StrEnum

from shiftdesk.errors import UserError
from store.enums import RequestKind
from store.enums import RequestStatus as S


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    DECLINE = "decline"
    APPROVE = "approve"
    REJECT = "reject"
    APPLY = "apply"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


class Actor(StrEnum):
    REQUESTER = "requester"  # who asked (for an open shift: the planner who posted it)
    COUNTERPART = "counterpart"  # the colleague who takes the shift or swaps theirs
    MANAGER = "manager"
    SYSTEM = "system"  # the policy (auto-approval), the application step, the expiry worker


# Kinds where a colleague must accept before a manager decides.
WITH_COUNTERPART = frozenset({RequestKind.SWAP, RequestKind.GIVE_AWAY, RequestKind.OPEN_SHIFT})
PENDING = (S.DRAFT, S.PROPOSED, S.ACCEPTED)

TRANSITIONS: dict[tuple[S, Action], tuple[S, frozenset[Actor]]] = {
    (S.DRAFT, Action.SUBMIT): (S.PROPOSED, frozenset({Actor.REQUESTER})),
    (S.PROPOSED, Action.ACCEPT): (S.ACCEPTED, frozenset({Actor.COUNTERPART})),
    (S.PROPOSED, Action.DECLINE): (S.REJECTED, frozenset({Actor.COUNTERPART})),
    (S.PROPOSED, Action.APPROVE): (S.APPROVED, frozenset({Actor.MANAGER, Actor.SYSTEM})),
    (S.ACCEPTED, Action.APPROVE): (S.APPROVED, frozenset({Actor.MANAGER, Actor.SYSTEM})),
    (S.PROPOSED, Action.REJECT): (S.REJECTED, frozenset({Actor.MANAGER})),
    (S.ACCEPTED, Action.REJECT): (S.REJECTED, frozenset({Actor.MANAGER})),
    (S.APPROVED, Action.APPLY): (S.APPLIED, frozenset({Actor.SYSTEM})),
    **{(state, Action.WITHDRAW): (S.WITHDRAWN, frozenset({Actor.REQUESTER})) for state in PENDING},
    **{(state, Action.EXPIRE): (S.EXPIRED, frozenset({Actor.SYSTEM})) for state in PENDING},
}


class TransitionRefused(UserError):
    """The action is not allowed from the request's state, for its kind, or for this person."""


def next_status(kind: RequestKind, status: S, action: Action, actor: Actor) -> S:
    """The state `action` leads to; raises TransitionRefused naming why it cannot happen."""
    entry = TRANSITIONS.get((status, action))
    if entry is None:
        raise TransitionRefused(f"the request is {status.value}: it cannot be {_past(action)}")
    if action is Action.ACCEPT and kind not in WITH_COUNTERPART:
        raise TransitionRefused(f"a {kind.value} request has no colleague to accept it")
    if action is Action.APPROVE and status is S.PROPOSED and kind in WITH_COUNTERPART:
        raise TransitionRefused(f"a {kind.value} request needs the colleague's acceptance before approval")
    target, allowed = entry
    if actor not in allowed:
        who = " or ".join(sorted(a.value for a in allowed))
        raise TransitionRefused(f"only the {who} may {action.value} this request, not the {actor.value}")
    return target


def _past(action: Action) -> str:
    return {Action.SUBMIT: "submitted", Action.APPLY: "applied", Action.EXPIRE: "expired",
            Action.WITHDRAW: "withdrawn"}.get(action, action.value + ("d" if action.value.endswith("e") else "ed"))
