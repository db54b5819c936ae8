"""Team (managers): the people of the team in one table (skills and levels, the contract limits the roster
solver applies, routing limits per channel, active), and a form to change one employee or add one (also their
e-mail, phone and supervisor).

Until this page, only the demo seed set these. The rules (ranges, unique names, the team's skills, who may
supervise whom) live in `shiftdesk.services.team_admin`; this page draws and forwards, and shows a refusal as
the service words it. A form remembers the employee's version it was drawn from, so saving over another
manager's newer change is refused; its Reload button draws the employee afresh.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shiftdesk.services import team_admin
from shiftdesk.services.team_admin import (
    CHANNELS,
    FLAGS,
    LEVELS,
    MAX_OPEN_TICKETS,
    NUMBERS,
    EmployeeDetails,
)
from views.ui import db, page_team, page_user, run_action

FLASH_KEY = "team_flash"
ROW_HEIGHT = 65  # px: Streamlit wraps text only in rows taller than 4rem (64 px)
VISIBLE_ROWS = 9  # the table scrolls beyond these, keeping the form in view
NEW = 0  # the employee choice that adds one (employee ids start at 1)
# A channel's own limit: a selectbox, since a number input cannot be emptied back to "shared" once it holds a
# number (Streamlit returns its initial value instead).
LIMIT_CHOICES: list[int | None] = [None, *range(MAX_OPEN_TICKETS + 1)]
CONTRACT = ("min_minutes_per_week", "max_minutes_per_week", "max_consecutive_days", "min_consecutive_days_off",
            "min_rest_minutes", "max_nights_per_week")

user = page_user("desk.manage")
with db() as session:
    team_id = page_team(session)
    people = team_admin.team_people(session, user, team_id)
members = {m.id: m.details for m in people.members}
versions = {m.id: m.version for m in people.members}


def limits_text(details: EmployeeDetails) -> str:
    """Routing limits as routing applies them: each channel's own limit, then the number the others share."""
    own = [f"{c} {details.channel_limits[c] or 'never'}" for c in CHANNELS if c in details.channel_limits]
    rest = "others" if own else "all channels"
    return " · ".join([*own, f"{rest} {details.max_concurrent_tickets}"])


def people_table() -> None:
    """One row per employee, narrow enough to show every column: ranges and limits are written out as text."""
    frame = pd.DataFrame([{
        "Name": d.name, "Active": d.active,
        "Reports to": members[d.supervisor_id].name if d.supervisor_id in members else "",
        "Skills (level)": ", ".join(f"{code} {level}" for code, level in d.skills.items()),
        "Minutes/week": f"{d.min_minutes_per_week}–{d.max_minutes_per_week}",
        "Days on": d.max_consecutive_days, "Days off": d.min_consecutive_days_off, "Rest": d.min_rest_minutes,
        "Nights": f"{d.max_nights_per_week}/week" if d.may_work_nights else "no",
        "Routing limits": limits_text(d),
    } for d in members.values()])
    # Widths add up to the page's width at 1400 px, so every column shows without scrolling sideways; rows are
    # tall enough for a long skill list to wrap onto a second line.
    st.container(key="people").dataframe(frame, hide_index=True, row_height=ROW_HEIGHT,
                                         height=ROW_HEIGHT * VISIBLE_ROWS + 40, column_config={
        "Name": st.column_config.TextColumn(width=90),
        "Active": st.column_config.CheckboxColumn(width=45),
        "Reports to": st.column_config.TextColumn(width=90, help="Supervisor: notified of escalations"),
        "Skills (level)": st.column_config.TextColumn(width=175, help="Level 1 (can do it) to 5"),
        "Minutes/week": st.column_config.TextColumn(width=95, help="Contract: minutes the roster gives each week, "
                                                                   "at least–at most"),
        "Days on": st.column_config.NumberColumn(width=55, help="Contract: most working days in a row"),
        "Days off": st.column_config.NumberColumn(width=60, help="Contract: fewest days off in a row"),
        "Rest": st.column_config.NumberColumn(width=50, help="Contract: least minutes of rest between two shifts"),
        "Nights": st.column_config.TextColumn(width=60, help="Contract: most night shifts a week, or none"),
        "Routing limits": st.column_config.TextColumn(
            width=220, help="Open tickets at once: a channel's own limit (never: not routed that channel), then the "
                            "number the other channels share"),
    })


def limit_label(limit: int | None) -> str:
    return "shared" if limit is None else "never" if limit == 0 else str(limit)


def key(employee_id: int, field: str) -> str:
    return f"team_{employee_id}_{field}"


def form_keys(employee_id: int) -> tuple[str, ...]:
    fields = ("name", "email", "phone", "supervisor", *FLAGS, *NUMBERS, *(f"skill_{code}" for code in people.skills),
              *(f"limit_{c}" for c in CHANNELS))
    return tuple(key(employee_id, field) for field in fields)


def label(field: str) -> str:
    return NUMBERS[field][0].capitalize()


def supervisor_choices(employee_id: int, current: int | None) -> list[int | None]:
    """None (no supervisor), then the other active employees; the current supervisor stays on offer even if they
    have left, since keeping them is allowed and the form must be able to show them."""
    choices = [None, *(i for i, d in members.items() if d.active and i != employee_id)]
    return choices if current in choices else [*choices, current]


def supervisor_label(employee_id: int | None) -> str:
    if employee_id is None:
        return "—"
    if employee_id not in members:  # set outside this page, to someone of another team
        return f"employee #{employee_id}"
    return members[employee_id].name + ("" if members[employee_id].active else " (inactive)")


def employee_form(employee_id: int, details: EmployeeDetails) -> None:
    """One employee's details in a form; saving sends them all to the service in one transaction, with the
    version the form was drawn from."""
    version_key = key(employee_id, "version")
    if key(employee_id, "name") not in st.session_state:
        # The form's inputs start from this run's read (they are new, or were cleared): what they show is this version.
        st.session_state[version_key] = versions.get(employee_id)
    with st.form(f"team_form_{employee_id}"):
        name_col, active_col = st.columns([3, 1], vertical_alignment="bottom")
        name = name_col.text_input("Name", details.name, key=key(employee_id, "name"))
        active = active_col.checkbox("Active", details.active, key=key(employee_id, "active"),
                                     help="Rostered, routed tickets and may sign in; unticked, none of these")
        email_col, phone_col, supervisor_col = st.columns(3)
        email = email_col.text_input("Email", details.email or "", key=key(employee_id, "email"),
                                     placeholder="name@example.com")
        phone = phone_col.text_input("Phone", details.phone or "", key=key(employee_id, "phone"))
        choices = supervisor_choices(employee_id, details.supervisor_id)
        supervisor = supervisor_col.selectbox("Supervisor", choices, index=choices.index(details.supervisor_id),
                                              key=key(employee_id, "supervisor"), format_func=supervisor_label,
                                              help="Notified when this person's tickets escalate")
        st.markdown("**Skills**")
        levels = {}
        for column, (code, skill_name) in zip(st.columns(len(people.skills) or 1), people.skills.items()):
            levels[code] = column.selectbox(code, range(LEVELS[1] + 1), index=details.skills.get(code, 0),
                                            help=skill_name, key=key(employee_id, f"skill_{code}"),
                                            format_func=lambda level: f"level {level}" if level else "—")
        st.markdown("**Contract** (the roster's labour rules)")
        numbers = {}
        for column, field in zip(st.columns(len(CONTRACT)), CONTRACT):
            numbers[field] = column.number_input(label(field), value=getattr(details, field), step=1,
                                                 key=key(employee_id, field))
        nights = st.checkbox("Nights allowed", details.may_work_nights, key=key(employee_id, "may_work_nights"))
        st.markdown("**Routing limits** (open tickets at once)")
        shared_col, *channel_cols = st.columns(1 + len(CHANNELS))
        numbers["max_concurrent_tickets"] = shared_col.number_input(
            label("max_concurrent_tickets"), value=details.max_concurrent_tickets, step=1,
            key=key(employee_id, "max_concurrent_tickets"), help="Open tickets at once over the channels marked shared")
        limits = {}
        for column, channel in zip(channel_cols, CHANNELS):
            limits[channel] = column.selectbox(
                channel, LIMIT_CHOICES, index=LIMIT_CHOICES.index(details.channel_limits.get(channel)),
                key=key(employee_id, f"limit_{channel}"), format_func=limit_label,
                help="Shared: counts against the shared limit with the other such channels; never: not routed "
                     "this channel")
        adding = employee_id == NEW
        submitted = st.form_submit_button("Add employee" if adding else "Save", type="primary",
                                          icon=":material/person_add:" if adding else ":material/save:")
        reload = False if adding else st.form_submit_button(
            "Reload", icon=":material/refresh:", help="Drop this form's changes and show the employee as stored now")
    if reload:
        for field in form_keys(employee_id):
            st.session_state.pop(field, None)
        st.rerun()
    if submitted:
        wanted = EmployeeDetails(
            name=name, email=email, phone=phone, supervisor_id=supervisor,
            skills={code: level for code, level in levels.items() if level}, may_work_nights=nights,
            channel_limits={c: n for c, n in limits.items() if n is not None}, active=active, **numbers,
        )
        done = f"Added {wanted.name.strip()}." if adding else f"Saved {wanted.name.strip()}."
        loaded = st.session_state[version_key]
        run_action(user, FLASH_KEY, lambda session, user, _now: team_admin.save_employee(
            session, user, team_id, None if adding else employee_id, wanted, loaded), done,
            clear=form_keys(employee_id))


st.title("Team")
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
active_count = sum(d.active for d in members.values())
st.caption(f"{people.team} · {active_count} active of {len(members)} employees · skills: "
           + ", ".join(people.skills))
people_table()
st.subheader("Change or add an employee")
chosen = st.selectbox("Employee", [NEW, *members], index=None, key="team_pick",
                      placeholder="Choose an employee to change, or add one",
                      format_func=lambda i: "New employee" if i == NEW else members[i].name)
if chosen is not None:
    employee_form(chosen, people.new if chosen == NEW else members[chosen])
