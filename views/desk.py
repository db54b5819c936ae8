"""Live desk: queues, agents on shift, every open ticket's SLA countdown, the at-risk list, reassign,
and one ticket's trail, clocks and actions; its routing view shows who can take which queue's tickets
now, each agent's load, the unassigned tickets with "route now", and reassign.

The board is a fragment that reruns on its own every REFRESH_SECONDS, so the
countdowns move without reloading the page; an action reruns the whole page.
The rules (who may reassign what, which clock a countdown follows) live in
`tickets.desk_view`; this page only draws and forwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from views.ui import coloured_countdowns, db, now, page_team, page_user, run_action, show_error
from shiftdesk.auth import CurrentUser
from shiftdesk.errors import UserError
from tickets import desk_view
from tickets.desk_view import DeskBoard, OpenTicket, RoutingView, minutes_text
from tickets.routing import RoutingOutcome, RoutingReport

REFRESH_SECONDS = 30
FLASH_KEY = "desk_flash"
BOARD, ROUTING = "Board", "Routing"
ROW_PX = 35  # a data grid row's height: the on-shift table is sized to show every agent without scrolling
TICKET_COLUMNS = {
    "Ticket": st.column_config.NumberColumn(format="#%d", width="small"),
    "Subject": st.column_config.TextColumn(width="medium"),
    "State": st.column_config.TextColumn(width=80, help=(
        "The most pressing running SLA clock: ok / warning / breached / paused; met / met late once every "
        "clock has ended; no SLA when no tier applies")),
    "Time left": st.column_config.TextColumn(width=90, help="Business time on the tier's calendar; negative once overdue"),
    "Due": st.column_config.TextColumn(width=85, help="Local time the clock is due (unknown while paused)"),
    "Priority": st.column_config.TextColumn(width=75),
    "Status": st.column_config.TextColumn(width=80),
    "SLA": st.column_config.TextColumn(width="medium", help="The tier and target of the clock in State"),
}

user = page_user("desk.view")
with db() as session:
    team_id = page_team(session)


@st.cache_data(ttl=10, show_spinner=False)
def load_board(team_id: int) -> DeskBoard:
    """The board at this moment; shared by viewers for a few seconds, cleared after every action."""
    with db() as session:
        return desk_view.desk_board(session, team_id, now())


@st.cache_data(ttl=10, show_spinner=False)
def load_routing(team_id: int) -> RoutingView:
    """Who can take which queue's tickets now, as routing reads it; cleared after every action."""
    with db() as session:
        return desk_view.routing_view(session, team_id, now())


def _clear_cached_reads() -> None:
    load_board.clear()
    load_routing.clear()


def act(action: Callable[..., object], done: str, *args: object, clear: tuple[str, ...] = (),
        **options: object) -> None:
    """A desk action (see `run_action`); the cached boards are read afresh after it."""
    run_action(user, FLASH_KEY, action, done, *args, clear=clear, after=_clear_cached_reads, **options)


def tickets_frame(tickets: list[OpenTicket]) -> pd.DataFrame:
    rows = []
    for t in tickets:
        c = t.countdown
        rows.append({
            "Ticket": t.id,
            "State": t.state_label,
            "Time left": minutes_text(c.remaining_minutes) if c else "",
            "Due": f"{c.due_at:%a %H:%M}" if c and c.due_at else ("paused" if c else ""),
            "Priority": t.priority, "Status": t.status, "Assignee": t.assignee or "—",
            "SLA": f"{t.clock.tier} · {t.clock.metric.replace('_', ' ')}" if t.clock else "—",
            "Subject": t.subject, "Queue": t.queue,
        })
    # what a manager triages on first, so it is in view without scrolling sideways
    return pd.DataFrame(rows, columns=["Ticket", "State", "Time left", "Due", "Priority", "Status", "Assignee", "SLA",
                                       "Subject", "Queue"])


def show_tickets(tickets: list[OpenTicket], key: str) -> None:
    """A ticket table whose SLA cells are coloured by state."""
    st.container(key=key).dataframe(coloured_countdowns(tickets_frame(tickets)), hide_index=True,
                                    column_config=TICKET_COLUMNS)


def show_queues(board: DeskBoard) -> None:
    st.container(key="queues").dataframe(
        pd.DataFrame([{
            "Queue": q.name, "Channel": q.channel, "New": q.new, "Open": q.open, "Pending": q.pending,
            "Unassigned": q.unassigned,
            "Oldest waiting": minutes_text(q.oldest_waiting_minutes) if q.oldest_waiting_minutes is not None else "",
        } for q in board.queues]),
        hide_index=True,
    )


def show_agents(board: DeskBoard) -> None:
    st.container(key="agents").dataframe(
        pd.DataFrame([{
            "Agent": a.name,
            "Shift": a.shift if a.on_shift else "off shift",
            "Until": f"{a.until:%H:%M}" if a.until else "",
            "Skills (level)": ", ".join(f"{code} {level}"
                                        for code, level in sorted(a.skills.items(), key=lambda s: -s[1])),
            "Open tickets": a.open_tickets,
            "Load": round(100 * a.open_tickets / a.capacity) if a.capacity else 0,
        } for a in board.agents]),
        hide_index=True,
        column_config={"Load": st.column_config.ProgressColumn(format="%d%%", min_value=0, max_value=100,
                                                               help="Open tickets against the agent's capacity")},
    )


@st.fragment(run_every=REFRESH_SECONDS)
def live_board() -> None:
    board = load_board(team_id)
    st.caption(f"{board.team} · local time {board.local_now:%a %d %b %H:%M} ({board.zone}) · "
               f"refreshes every {REFRESH_SECONDS} s")
    for column, (label, value) in zip(st.columns(5), (
        ("Open tickets", board.open_total), ("Unassigned", sum(q.unassigned for q in board.queues)),
        ("At risk", len(board.at_risk)), ("Breached", len(board.breached)), ("Agents on shift", len(board.on_shift)),
    ), strict=True):
        column.metric(label, value)
    st.subheader("At risk")
    if board.at_risk:
        show_tickets(board.at_risk, "at_risk")
    else:
        st.success("No ticket is in warning or breached.")
    # Static tab labels: a label that changed on refresh would make the browser jump back to the first tab.
    tickets_tab, unassigned_tab, queues_tab, agents_tab = st.tabs(["Open tickets", "Unassigned", "Queues", "Agents"])
    with tickets_tab:
        if board.open_total > len(board.tickets):
            st.caption(f"The {len(board.tickets)} most urgent of {board.open_total} open tickets.")
        mine = user.employee_id is not None and st.toggle("Only my tickets", key="only_mine")
        show_tickets([t for t in board.tickets if not mine or t.assignee_id == user.employee_id], "open_tickets")
    with unassigned_tab:
        show_tickets(board.unassigned, "unassigned")
    with queues_tab:
        show_queues(board)
    with agents_tab:
        st.caption("On shift now by the published roster, then anyone off shift who still holds open tickets.")
        show_agents(board)


def reassign_panel(board: DeskBoard, user: CurrentUser) -> None:
    """Pick a ticket (any for managers, own for agents) and an agent on shift now."""
    st.subheader("Reassign")
    movable = [t for t in board.tickets if user.can("desk.manage") or t.assignee_id == user.employee_id]
    if not movable:
        st.caption("You have no open tickets to hand over.")
        return
    agents = {a.employee_id: a for a in board.on_shift}
    pick, to, go = st.columns([3, 2, 1], vertical_alignment="bottom")
    ticket = pick.selectbox("Ticket", [t.id for t in movable], key="reassign_ticket", index=None,
                            placeholder="Choose a ticket", format_func=_ticket_label(movable))
    agent = to.selectbox("To agent on shift", list(agents), key="reassign_agent", index=None,
                         placeholder="Choose an agent",
                         format_func=lambda e: f"{agents[e].name} · {agents[e].skill_worked or '-'} · "
                                               f"{agents[e].open_tickets}/{agents[e].capacity} open")
    if go.button("Reassign", key="reassign_go", disabled=ticket is None or agent is None):
        act(desk_view.reassign, f"Ticket #{ticket} reassigned to {agents[agent].name}.", ticket, agent)


def detail_panel(board: DeskBoard, user: CurrentUser) -> None:
    st.subheader("Ticket")
    ticket_id = st.selectbox("Open ticket", [t.id for t in board.tickets], key="detail_ticket", index=None,
                             placeholder="Choose a ticket to see its trail and clocks",
                             format_func=_ticket_label(board.tickets))
    if ticket_id is None:
        return
    with db() as session:
        detail = desk_view.ticket_detail(session, ticket_id, now())
    st.markdown(f"**#{detail.id} {detail.subject}**")
    st.caption(f"{detail.queue} · {detail.status} · {detail.priority} · {detail.category} · "
               f"{detail.customer_tier} customer via {detail.channel} · "
               f"{detail.customer_name or 'unknown customer'} {detail.customer_email or ''} · "
               f"assignee {detail.assignee or 'nobody'} · SLA tier {detail.sla_tier or 'none'}")
    if detail.body:
        st.text(detail.body)
    trail_tab, clocks_tab, work_tab = st.tabs(["Trail", "SLA clocks", "Work on it"])
    with trail_tab:
        st.container(key="trail").dataframe(pd.DataFrame([
            {"At": f"{e.at:%a %d %b %H:%M}", "By": e.actor, "What": e.kind, "Details": e.text} for e in detail.trail
        ]), hide_index=True, column_config={"At": st.column_config.TextColumn(width=120),
                                            "By": st.column_config.TextColumn(width=110),
                                            "What": st.column_config.TextColumn(width=100)})
    with clocks_tab:
        st.container(key="clocks").dataframe(pd.DataFrame([{
            "Metric": c.metric.replace("_", " "), "Cycle": c.cycle, "Tier": c.tier, "Target": f"{c.target_minutes} min",
            "Started": f"{c.started_at:%a %H:%M}", "Warns": f"{c.warn_at:%a %H:%M}" if c.warn_at else "",
            "Due": f"{c.due_at:%a %H:%M}" if c.due_at else "paused",
            "Met": f"{c.fulfilled_at:%a %H:%M}" if c.fulfilled_at else "", "State": c.state.value,
            "Time left": minutes_text(c.remaining_minutes),
        } for c in detail.clocks]), hide_index=True)
    with work_tab:
        if user.can("tickets.work"):
            work_forms(detail.id, detail.next_statuses)


def work_forms(ticket_id: int, next_statuses: list[str]) -> None:
    """Reply, note and status change, each through tickets.lifecycle (audit event, SLA refresh)."""
    reply_col, note_col, status_col = st.columns(3)
    with reply_col.form("reply"):
        body = st.text_area("Reply to the customer", key="reply_body")
        then = st.selectbox("Then set status", [None, "pending", "solved"], key="reply_then",
                            format_func=lambda s: "leave as is" if s is None else s)
        if st.form_submit_button("Send reply"):
            act(desk_view.reply, f"Reply sent on ticket #{ticket_id}.", ticket_id, body, then_status=then,
                clear=("reply_body", "reply_then"))
    with note_col.form("note"):
        text = st.text_area("Internal note", key="note_body")
        if st.form_submit_button("Add note"):
            act(desk_view.note, f"Note added to ticket #{ticket_id}.", ticket_id, text, clear=("note_body",))
    with status_col.form("status"):
        status = st.selectbox("New status", next_statuses, key="new_status")
        if st.form_submit_button("Change status", disabled=not next_statuses):
            act(desk_view.change_status, f"Ticket #{ticket_id} is now {status}.", ticket_id, status)


@st.fragment(run_every=REFRESH_SECONDS)
def routing_board() -> None:
    view, board = load_routing(team_id), load_board(team_id)
    st.caption(f"{board.team} · local time {view.local_now:%a %d %b %H:%M} ({board.zone}) · who can take tickets "
               f"now by the published roster · refreshes every {REFRESH_SECONDS} s")
    uncovered = sum(q.unassigned for q in view.queues if q.waiting_reason is not None)
    for column, (label, value) in zip(st.columns(4), (
        ("Agents on shift", len(board.on_shift)),
        ("Agents with room", sum(a.open_tickets < a.capacity for a in board.on_shift)),
        ("Unassigned", sum(q.unassigned for q in view.queues)), ("Waiting for cover", uncovered),
    ), strict=True):
        column.metric(label, value)
    st.subheader("Queues")
    st.container(key="routing_queues").dataframe(pd.DataFrame([{
        "Queue": q.name, "Skill": q.skill, "Policy": q.policy.replace("_", " "), "Unassigned": q.unassigned,
        "Routing now": f"waits: {q.waiting_reason}" if q.waiting_reason else "routes to an agent with room",
    } for q in view.queues]), hide_index=True,
        column_config={"Routing now": st.column_config.TextColumn(width="large")})
    st.subheader("On shift now")
    show_skills(view)
    show_cover(view)
    st.subheader("Unassigned tickets")
    if board.unassigned:
        show_tickets(board.unassigned, "routing_unassigned")
    else:
        st.success("Every open ticket has an agent.")


def show_skills(view: RoutingView) -> None:
    """Per skill the queues need: how many agents on shift hold it, how many have room, the best level."""
    st.container(key="skills_on_shift").dataframe(pd.DataFrame([{
        "Skill": cover.skill, "On shift": len(cover.agents), "With room": cover.with_room,
        "Best level": cover.agents[0].level if cover.agents else None,
    } for cover in view.skills]), hide_index=True)


def show_cover(view: RoutingView) -> None:
    """One row per agent on shift: their level in each skill, what the roster put them on, their load."""
    rows: dict[int, dict[str, object]] = {}
    for cover in view.skills:
        for line in cover.agents:
            row = rows.setdefault(line.employee_id, {
                "Agent": line.name, "Shift": line.shift, "Until": f"{line.until:%H:%M}",
                "Rostered for": line.rostered_for or "", "Open": f"{line.open_tickets}/{line.capacity}",
                "Load": round(100 * line.open_tickets / line.capacity) if line.capacity else 100,
            })
            row[cover.skill] = f"L{line.level}"
    skills = [cover.skill for cover in view.skills]
    frame = pd.DataFrame(list(rows.values()), columns=["Agent", "Shift", "Until", "Rostered for", *skills, "Open",
                                                       "Load"]).fillna({skill: "" for skill in skills})
    st.container(key="cover").dataframe(
        frame.sort_values(["Load", "Agent"]), hide_index=True, height=ROW_PX * (len(frame) + 1) + 3,
        column_config={
            **{skill: st.column_config.TextColumn(help=f"Level in {skill} (5 is the highest)")
               for skill in skills},
            "Load": st.column_config.ProgressColumn(format="%d%%", min_value=0, max_value=100,
                                                    help="Open tickets against the agent's capacity"),
        },
    )


def route_panel(board: DeskBoard) -> None:
    """Managers: route one unassigned ticket now, or all that can be, by the same rules as intake."""
    st.subheader("Route")
    pick, one, every = st.columns([3, 1, 1], vertical_alignment="bottom")
    ticket = pick.selectbox("Unassigned ticket", [t.id for t in board.unassigned], key="route_ticket", index=None,
                            placeholder="Choose a ticket", format_func=_ticket_label(board.unassigned))
    if one.button("Route now", key="route_one", disabled=ticket is None):
        route_act(desk_view.route_now, ticket)
    if every.button("Route all waiting", key="route_all"):
        route_act(desk_view.route_waiting, team_id)


def route_act(action: Callable[..., RoutingOutcome | RoutingReport], *args: object) -> None:
    """Run a routing action in its own transaction and say what routing did (where to, or why not)."""
    try:
        with db() as session:
            result = action(session, user, *args, now())
    except UserError as error:
        show_error(error)
        return
    load_board.clear()
    load_routing.clear()
    st.session_state[FLASH_KEY] = _routing_message(result)
    st.rerun()


def _routing_message(result: RoutingOutcome | RoutingReport) -> str:
    if isinstance(result, RoutingOutcome):
        return f"Ticket #{result.ticket_id} {result.text}."
    if not result.considered:
        return "Nothing to route: no queue with unassigned tickets has an agent with room on shift."
    return f"Routed {result.routed} of {result.considered} tickets; {result.waiting} wait for an agent with room."


def _ticket_label(tickets: list[OpenTicket]) -> Callable[[int], str]:
    subjects = {t.id: t.subject for t in tickets}
    return lambda ticket_id: f"#{ticket_id} · {subjects.get(ticket_id, '')[:70]}"


st.title("Live desk")
view = st.segmented_control("View", [BOARD, ROUTING], default=BOARD, key="desk_view", label_visibility="collapsed")
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
if view == ROUTING:
    routing_board()
    board = load_board(team_id)
    if user.can("desk.manage"):
        route_panel(board)
    reassign_panel(board, user)
else:
    live_board()
    board = load_board(team_id)
    reassign_panel(board, user)
    detail_panel(board, user)
