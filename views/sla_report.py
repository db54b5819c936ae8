"""SLA report for managers: attainment per tier by day and ISO week, the breaches, the escalations fired.

Counting rules live in `tickets.desk_view.sla_report` (met on the day met in
time, breached on the day the deadline passed); the figures are aggregated in
SQL and cached for a few minutes per window, since they span history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from views.ui import db, now, page_team, page_user, show_error
from shiftdesk.errors import UserError
from tickets import desk_view
from tickets.desk_view import Attainment, SlaReport, minutes_text

DEFAULT_DAYS = 14

page_user("sla.view")
with db() as session:
    team_id = page_team(session)


@st.cache_data(ttl=300, show_spinner="Counting SLA clocks…")
def load_report(team_id: int, first_day: date, last_day: date, as_of: datetime) -> SlaReport:
    """Cached per window and minute (`as_of` is floored to the minute by the caller)."""
    with db() as session:
        return desk_view.sla_report(session, team_id, first_day, last_day, as_of)


def label(row: Attainment) -> str:
    return f"{row.tier} · {row.metric.replace('_', ' ')}"


def day_label(day: date) -> str:
    return f"{day:%a %d %b}"


def week_label(row: Attainment) -> str:
    return f"{row.period} (from {row.period_start:%d %b})"


def attainment_frame(rows: list[Attainment], period_label: Callable[[Attainment], str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"Period": period_label(r), "SLA": label(r), "Met": r.met, "Breached": r.breached, "Attainment": r.share}
         for r in rows],
        columns=["Period", "SLA", "Met", "Breached", "Attainment"],
    )


def attainment_chart(frame: pd.DataFrame) -> alt.Chart:
    """Share met per tier and metric, one line per SLA, periods in order (rows come sorted by period)."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("Period:O", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Attainment:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("SLA:N", legend=alt.Legend(orient="bottom", title=None, labelLimit=0)),
        tooltip=["Period", "SLA", "Met", "Breached", alt.Tooltip("Attainment:Q", format=".1%")],
    ).properties(height=320)


def show_attainment(rows: list[Attainment], period_label: Callable[[Attainment], str], key: str) -> None:
    if not rows:
        st.info("No SLA clock was met or breached in these days.")
        return
    frame = attainment_frame(rows, period_label)
    st.altair_chart(attainment_chart(frame), width="stretch")
    st.container(key=key).dataframe(
        frame, hide_index=True,
        column_config={"Attainment": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)},
    )


def show_totals(report: SlaReport) -> None:
    columns = st.columns(max(len(report.totals), 1))
    for column, row in zip(columns, report.totals, strict=False):
        share = f"{row.share:.1%}" if row.share is not None else "—"
        column.metric(label(row), share)
        column.caption(f"{row.met:,} met · {row.breached:,} breached")


def show_breaches(report: SlaReport) -> None:
    st.subheader(f"Breaches ({report.breach_total:,})")
    if not report.breaches:
        st.success("No breaches in these days.")
        return
    if report.breach_total > len(report.breaches):
        st.caption(f"The latest {len(report.breaches)} of {report.breach_total:,}.")
    st.container(key="breaches").dataframe(pd.DataFrame([{
        "Ticket": b.ticket_id, "SLA": f"{b.tier} · {b.metric.replace('_', ' ')}", "Due": f"{b.due_at:%a %d %b %H:%M}",
        "Met": f"{b.fulfilled_at:%a %d %b %H:%M}" if b.fulfilled_at else "not yet",
        "Late by": minutes_text(b.late_minutes), "Subject": b.subject,
        "Queue": b.queue, "Assignee": b.assignee or "—", "Status": b.status,
    } for b in report.breaches]), hide_index=True,
        column_config={"Ticket": st.column_config.NumberColumn(format="#%d")})


def show_escalations(report: SlaReport) -> None:
    st.subheader("Escalations fired")
    if not report.escalations:
        st.info("No escalation step fired in these days.")
        return
    frame = pd.DataFrame([{"Day": day_label(e.day), "Step": e.action.replace("_", " "), "Fired": e.fired}
                          for e in report.escalations])  # rows come sorted by day
    st.altair_chart(alt.Chart(frame).mark_bar(size=28).encode(
        x=alt.X("Day:O", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Fired:Q", title="steps fired"),
        color=alt.Color("Step:N", legend=alt.Legend(orient="bottom", title=None, labelLimit=0)),
        tooltip=["Day", "Step", "Fired"],
    ).properties(height=260), width="stretch")
    pivot = frame.pivot_table(index="Day", columns="Step", values="Fired", aggfunc="sum", fill_value=0, sort=False)
    st.container(key="escalations").dataframe(pivot)


st.title("SLA report")
moment = now()
with db() as session:
    today = desk_view.local_today(session, team_id, moment)
chosen = st.date_input("Days (site's local dates)", value=(today - timedelta(days=DEFAULT_DAYS - 1), today),
                       max_value=today, key="report_days")
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info("Pick the last day of the report too.")
    st.stop()
try:
    report = load_report(team_id, chosen[0], chosen[1], moment.replace(second=0, microsecond=0))
except UserError as error:
    show_error(error)
    st.stop()

st.caption(f"{report.first_day:%d %b} – {report.last_day:%d %b %Y} ({report.zone}), as of {report.as_of:%H:%M}. "
           "Met: answered or solved within target. Breached: deadline passed first, whether answered late or "
           "still open.")
show_totals(report)
by_day, by_week = st.tabs(["By day", "By ISO week"])
with by_day:
    show_attainment(report.daily, lambda row: day_label(row.period_start), "daily")
with by_week:
    show_attainment(report.weekly, week_label, "weekly")
show_breaches(report)
show_escalations(report)
