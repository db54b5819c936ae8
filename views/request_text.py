"""Words and tables for shift requests, shared by the agent's page (My shifts) and the manager's
(Approvals), so a request reads the same to both."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from shiftdesk.auth import CurrentUser
from shiftdesk.services import shift_requests as requests
from shiftdesk.services.shift_requests import Suggestion
from store.enums import RequestKind
from store.schema import RequestEvent, ShiftRequest
from views.ui import db

ROW_HEIGHT = 80  # px: room for a risk line to wrap onto four lines instead of being cut off
# Sized to fit the page's width beside the sidebar on a 1400 px screen, the risk line taking the rest.
REQUEST_COLUMNS = {
    "#": st.column_config.NumberColumn(format="#%d", width=45),
    "Kind": st.column_config.TextColumn(width=75),
    "What": st.column_config.TextColumn(width=250),
    "Starts": st.column_config.TextColumn(width=105),
    "Status": st.column_config.TextColumn(width=75),
    "Check": st.column_config.TextColumn(width="large", help="The risk line of the request's last check"),
}
KINDS = {RequestKind.SWAP: "Swap", RequestKind.GIVE_AWAY: "Give-away", RequestKind.OPEN_SHIFT: "Open shift",
         RequestKind.OVERTIME: "Overtime", RequestKind.TIME_OFF: "Time off"}


def describe(request: ShiftRequest, zone: ZoneInfo) -> str:
    """One line: who changes what, e.g. "Li Na E Fri 27 Nov ⇄ Wang Wei L Sat 28 Nov"."""
    requester = request.requester.name if request.requester else "planner"
    counterpart = request.counterpart.name if request.counterpart else None
    shift = request.shift_type.code if request.shift_type else ""
    day = f"{request.day:%a %d %b}" if request.day else ""
    if request.kind is RequestKind.SWAP:
        other_day = f"{request.other_day:%a %d %b}"
        if request.other_shift_type is None:  # proposed before the counterpart's shift was kept
            return f"{requester} {day} ⇄ {counterpart} {other_day}"
        return f"{requester} {shift} {day} ⇄ {counterpart} {request.other_shift_type.code} {other_day}"
    if request.kind is RequestKind.GIVE_AWAY:
        return f"{requester} gives {shift} {day} to {counterpart or 'anyone'}"
    if request.kind is RequestKind.OPEN_SHIFT:
        skill = request.skill.code if request.skill else ""
        return f"open {shift} {day} ({skill}), " + (f"taken by {counterpart}" if counterpart else "nobody yet")
    if request.kind is RequestKind.OVERTIME:
        return f"{requester} works an extra {shift} {day}"
    assert request.period_start is not None and request.period_end is not None
    start, end = request.period_start.astimezone(zone), request.period_end.astimezone(zone)
    return f"{requester} off {start:%a %d %b %H:%M} – {end:%a %d %b %H:%M} ({request.reason})"


def requests_frame(requests: Sequence[ShiftRequest], zone: ZoneInfo) -> pd.DataFrame:
    """One row per request: number, kind, what, first shift start (local), status and the last check."""
    return pd.DataFrame([{
        "#": r.id, "Kind": KINDS[r.kind], "What": describe(r, zone),
        "Starts": f"{r.starts_at.astimezone(zone):%a %d %b %H:%M}", "Status": r.status.value,
        "Check": r.review_line or "",
    } for r in requests], columns=["#", "Kind", "What", "Starts", "Status", "Check"])


def trail_frame(events: Sequence[RequestEvent], zone: ZoneInfo) -> pd.DataFrame:
    """The audit trail: when, who, what, and the status it moved between."""
    return pd.DataFrame([{
        "When": f"{e.at.astimezone(zone):%a %d %b %H:%M}", "Who": e.actor, "Action": e.action,
        "Status": f"{e.from_status} → {e.to_status}" if e.from_status else e.to_status, "Comment": e.comment or "",
    } for e in events], columns=["When", "Who", "Action", "Status", "Comment"])


def suggestions_frame(found: Sequence[Suggestion]) -> pd.DataFrame:
    """Colleagues who could take a shift (or swaps to offer instead), best first."""
    return pd.DataFrame([{"Colleague": s.name, "Shift": f"{s.day:%a %d %b} · {s.shift_code}",
                          "Cost change": s.cost_delta, "Note": s.note} for s in found])


def pick_with_trail(user: CurrentUser, found: Sequence[ShiftRequest], zone: ZoneInfo, label: str, pick_key: str,
                    trail_key: str) -> ShiftRequest:
    """A choice among `found` and the chosen request's audit trail below it; returns the chosen request."""
    by_id = {r.id: r for r in found}
    chosen = st.selectbox(label, list(by_id), key=pick_key, format_func=lambda i: (
        f"#{i} · {describe(by_id[i], zone)} · {by_id[i].status.value}"))
    with db() as session:
        trail = requests.events(session, user, chosen)
    st.container(key=trail_key).dataframe(trail_frame(trail, zone), hide_index=True)
    return by_id[chosen]
