"""Home: the desk at a glance — open work per queue, who is on shift now, the published week."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from views.ui import db, now, page_team, page_user
from shiftdesk.services.desk_summary import desk_summary

user = page_user("home.view")

with db() as session:
    team_id = page_team(session)
    summary = desk_summary(session, team_id, now())

st.title(f"{summary.team}")
st.caption(f"Local time {summary.local_now:%a %d %b %Y %H:%M} ({summary.zone}) · signed in as {user.display_name}")

queues = pd.DataFrame([q.__dict__ for q in summary.queues])
open_total = int(queues[["new", "open", "pending"]].to_numpy().sum()) if not queues.empty else 0
col1, col2, col3 = st.columns(3)
col1.metric("Open tickets", open_total)
col2.metric("Unassigned", int(queues["unassigned"].sum()) if not queues.empty else 0)
col3.metric("Agents on shift now", len(summary.on_shift))

st.subheader("Open tickets per queue")
st.dataframe(queues, hide_index=True, width="stretch")

st.subheader("On shift now")
if summary.on_shift:
    st.dataframe(
        pd.DataFrame(
            [
                {"agent": o.name, "shift": o.shift_name, "skill": o.skill_worked,
                 "until": f"{o.ends_at.astimezone(summary.local_now.tzinfo):%H:%M}"}
                for o in summary.on_shift
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.warning("Nobody is on shift right now according to the published roster.")

if summary.published_week:
    st.caption(f"Published roster: week of {summary.published_week:%d %b %Y} (version {summary.published_version}).")
else:
    st.caption("No roster published for this week yet.")
