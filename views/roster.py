"""Roster (planners, managers): build next week with the CP-SAT engine, watch it search, read why,
fix by hand with every edit checked, publish, and go back to an earlier version."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from rostering.validate import validate
from shiftdesk.errors import UserError
from shiftdesk.services import rosters
from shiftdesk.services.forecasts import next_week_start
from shiftdesk.services.roster_exports import roster_table
from shiftdesk.services.roster_jobs import SolveJob
from store import rosters as roster_store
from store.org import team_zone
from views.ui import day_axis, db, local_time, now, page_team, page_user, show_error

JOB_KEY, PLAN_KEY = "roster_job", "roster_plan"
SHIFT_COLOURS = {"E": "#dbeafe", "D": "#dcfce7", "L": "#fef3c7", "N": "#e0e7ff"}

user = page_user("roster.view")
with db() as session:
    team_id = page_team(session)
    zone = team_zone(session, team_id)

st.title("Roster")
left, middle, right = st.columns([2, 2, 3])
monday: date = left.date_input("Week starting (Monday)", next_week_start(now(), zone))
monday = rosters.monday_of(monday)
time_limit = middle.slider("Solver time limit (s)", 5, 300, 30, step=5)

with db() as session:
    versions = roster_store.week_versions(session, team_id, monday)


def start_solve() -> None:
    try:
        with db() as session:
            plan = rosters.build_week(session, team_id, monday, now())
    except UserError as exc:
        show_error(exc)
        return
    st.session_state[PLAN_KEY] = plan
    st.session_state[JOB_KEY] = SolveJob(plan, float(time_limit)).start()


if user.can("roster.edit"):
    right.write("")
    if right.button("Build roster", type="primary", icon=":material/auto_awesome:"):
        start_solve()


@st.fragment(run_every=1.0)
def solve_progress() -> None:
    """Objective, bound and seconds while the engine searches; the stop button ends it early."""
    job: SolveJob | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    if not job.done:
        latest = job.latest
        share = min(job.elapsed_s / job.time_limit_s, 1.0)
        st.progress(share, text=f"Searching… {job.elapsed_s:.0f} s of {job.time_limit_s:.0f} s")
        a, b, c = st.columns(3)
        a.metric("Best cost so far", "—" if latest is None or latest.objective is None else f"{latest.objective:,}")
        b.metric("Proven lower bound", "—" if latest is None or latest.bound is None else f"{latest.bound:,}")
        c.metric("Rosters found", 0 if latest is None else latest.solutions)
        if st.button("Stop and keep the best roster", icon=":material/stop_circle:"):
            job.stop.set()
        return
    st.session_state.pop(JOB_KEY)
    if job.error is not None:
        st.error(str(job.error))
        return
    result = job.result
    assert result is not None
    if result.roster is None:
        st.session_state["roster_conflict"] = result
    else:
        with db() as session:
            row = rosters.save_draft(session, user, job.plan, result.roster, now(), solver_status=result.status.value)
        message = result.message[:1].upper() + result.message[1:]  # e.g. "feasible roster, cost 812 (bound 790)"
        st.session_state["roster_notice"] = f"{message}. Saved as version {row.version} (draft)."
    st.rerun()


solve_progress()

if notice := st.session_state.pop("roster_notice", None):
    st.success(notice)
if conflict := st.session_state.get("roster_conflict"):
    st.error(f"{conflict.status.value}: {conflict.message}")
    for explanation in conflict.explanations:
        st.markdown(f"- {explanation.text}")
    if st.button("Dismiss"):
        st.session_state.pop("roster_conflict")
        st.rerun()

if not versions:
    st.info(f"No roster for the week of {monday:%d %b %Y} yet." + (" Build one." if user.can("roster.edit") else ""))
    st.stop()

labels = {f"v{v.version} · {v.status.value}" + (f" · cost {v.objective:,}" if v.objective is not None else ""): v.id
          for v in versions}
chosen_label = st.selectbox("Version", list(labels))
with db() as session:
    row = roster_store.roster_with_assignments(session, labels[chosen_label])
    plan = st.session_state.get(PLAN_KEY)
    if plan is None or plan.monday != monday:
        plan = st.session_state[PLAN_KEY] = rosters.build_week(session, team_id, monday, now())
    roster = rosters.roster_of(plan, row)
    table = roster_table(row, zone)
report = validate(plan.problem, roster)
kpis = row.kpis or {}

st.caption(f"Demand from the {plan.demand_source}; {len(plan.problem.employees)} agents; times in {zone}.")
coverage = kpis.get("coverage", [])
required = sum(c["required_hours"] for c in coverage)
covered = sum(c["covered_hours"] for c in coverage)
night = kpis.get("night", [])
fair = {f["kind"]: max(f["per_employee"].values()) - min(f["per_employee"].values())
        for f in kpis.get("fairness", []) if f["per_employee"]}
cols = st.columns(5)
cols[0].metric("Coverage", f"{100 * covered / required:.1f}%" if required else "—")
cols[1].metric("Under-covered interval-hours", f"{kpis.get('under_interval_hours', 0):.1f}")
cols[2].metric("Nights below minimum", sum(n["intervals_below"] for n in night))
cols[3].metric("Overtime", f"{kpis.get('overtime_min', 0) / 60:.1f} h")
cols[4].metric("Night spread (max − min)", fair.get("nights", 0),
               help="Nights per agent over the fairness ledger carried in from earlier weeks and this week: "
                    "the most any agent has less the fewest.")
if report.violations:
    st.error(f"{len(report.violations)} hard rule(s) broken: " + "; ".join(v.message for v in report.violations[:3]))

tabs = st.tabs(["Timeline", "Coverage", "Why", "Edit", "Versions"])
with tabs[0]:
    timeline = rosters.timeline_frame(plan, roster)

    def colour(cell: str) -> str:
        return f"background-color: {SHIFT_COLOURS.get(cell.split(' ')[0], '')}" if cell else ""

    st.dataframe(timeline.style.map(colour, subset=timeline.columns[1:]), hide_index=True, width="stretch",
                 height=min(36 * (len(timeline) + 1), 900))
    st.caption("E early 07-15 · D day 09-18 · L late 15-23 · N night 23-07 (crosses midnight) · skill worked.")
    st.download_button("Download CSV", table.to_csv(index=False), f"roster-{monday}-v{row.version}.csv", "text/csv")
with tabs[1]:
    frame = rosters.coverage_frame(plan, roster)
    skill = st.selectbox("Skill", sorted(frame["skill"].unique()))
    shown = frame[frame["skill"] == skill].assign(timestamp=lambda f: f["timestamp"].dt.tz_localize(None))
    long = shown.melt(["timestamp", "skill"], ["required", "covered"], var_name="series", value_name="agents")
    st.altair_chart(alt.Chart(long).mark_line(interpolate="step-after").encode(
        x=alt.X("timestamp:T", title=None, axis=day_axis()), y=alt.Y("agents:Q"), color="series:N",
        tooltip=["timestamp:T", "series:N", "agents:Q"]).properties(height=300), use_container_width=True)
    st.dataframe(pd.DataFrame(coverage).rename(columns=str), hide_index=True, width="stretch")
with tabs[2]:
    explanations = rosters.explain(plan, roster)
    if not explanations:
        st.success("No soft rule is broken: every interval is covered as required and every wish is met.")
    for explanation in explanations[:30]:
        st.markdown(f"- **{explanation.cost:,}** · {explanation.text}")
with tabs[3]:
    if row.status.value != "draft":
        st.info("Only drafts are edited. Make a draft copy of this version to change it.")
        if user.can("roster.edit") and st.button("Copy to a new draft"):
            with db() as session:
                copy = rosters.save_draft(session, user, plan, roster, now(), solver_status="copy",
                                          note=f"copy of version {row.version}")
            st.session_state["roster_notice"] = f"Version {copy.version} created as a draft."
            st.rerun()
    elif user.can("roster.edit"):
        people = {e.label: int(e.id) for e in plan.problem.employees}
        with st.form("edit"):
            a, b, c, d = st.columns(4)
            who = a.selectbox("Agent", list(people))
            day = b.selectbox("Day", [monday + timedelta(days=n) for n in range(7)],
                              format_func=lambda d: f"{d:%a %d %b}")
            shift = c.selectbox("Shift", ["(day off)", *plan.shift_ids])
            skill = d.selectbox("Skill", ["(best)", *sorted(plan.skill_ids)])
            if st.form_submit_button("Apply, checked by the rules"):
                try:
                    with db() as session:
                        rosters.edit(session, user, row.id, people[who], day, None if shift == "(day off)" else shift,
                                     None if skill == "(best)" else skill, now())
                    st.session_state["roster_notice"] = "Applied: every hard rule still holds."
                    st.rerun()
                except UserError as exc:
                    show_error(exc)
with tabs[4]:
    st.dataframe(pd.DataFrame([{"version": v.version, "status": v.status.value,
                                "created": local_time(v.created_at, zone),
                                "published": local_time(v.published_at, zone), "solver": v.solver_status,
                                "cost": v.objective, "note": v.note} for v in versions]),
                 hide_index=True, width="stretch")
    if user.can("roster.publish"):
        left, right = st.columns(2)
        if row.status.value == "draft" and left.button("Publish this version", type="primary"):
            try:
                with db() as session:
                    rosters.publish(session, user, row.id, now())
                st.session_state["roster_notice"] = f"Version {row.version} published; agents see it now."
                st.rerun()
            except UserError as exc:
                show_error(exc)
        if row.status.value == "archived" and right.button("Revert to this version"):
            with db() as session:
                newest = rosters.revert(session, user, row.id, now())
            st.session_state["roster_notice"] = f"Version {row.version} is live again as version {newest.version}."
            st.rerun()
