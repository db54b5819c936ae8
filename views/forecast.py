"""Forecast (managers and planners): next week's volume per queue with 80/95% bands, how each model
did in the backtest, the staffing it implies per skill, the events that shape it, and approval."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from forecasting.models import MODELS
from views.ui import day_axis, db, local_time, now, page_team, page_user, show_error
from shiftdesk.errors import UserError
from shiftdesk.services.forecast_events import save_events
from shiftdesk.services.forecasts import ForecastOutcome, forecast_team, next_week_start, save_forecast
from store import forecasts as forecast_store
from store.org import team_zone

OUTCOME_KEY = "forecast_outcome"
user = page_user("forecast.view")

with db() as session:
    team_id = page_team(session)
    zone = team_zone(session, team_id)
    events = pd.DataFrame(
        [{"name": e.name, "start_date": e.start_date, "end_date": e.end_date, "multiplier": e.multiplier}
         for e in forecast_store.events(session, team_id)],
        columns=["name", "start_date", "end_date", "multiplier"],
    )
    runs = forecast_store.runs(session, team_id)

st.title("Forecast")
st.caption(f"Ticket arrivals per queue, forecast from the last 16 weeks of history · times in {zone}")

with st.form("forecast"):
    left, middle, right, last = st.columns(4)
    start: date = left.date_input("Week starting", next_week_start(now(), zone))
    interval = middle.selectbox("Interval (minutes)", [60, 30, 15], index=0)
    model = right.selectbox("Model", ["auto", *MODELS],
                            help="auto: the ensemble, unless another model clearly beats it in the backtest")
    time_limit = last.number_input("Backtest time limit (s)", 5, 600, 60)
    run_clicked = st.form_submit_button("Run forecast", type="primary")

if run_clicked:
    bar = st.progress(0.0, text="Backtesting models…")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=message)

    try:
        with db() as session:
            st.session_state[OUTCOME_KEY] = forecast_team(
                session, team_id, start, now(), interval_minutes=int(interval), model=model,
                time_limit_s=float(time_limit), progress=progress,
            )
        bar.empty()
    except UserError as exc:
        bar.empty()
        show_error(exc)

outcome: ForecastOutcome | None = st.session_state.get(OUTCOME_KEY)


def band_chart(history: pd.DataFrame, forecast: pd.DataFrame) -> alt.LayerChart:
    """History as a grey line, the forecast mean in blue with its 95% and 80% bands."""
    base = alt.Chart(forecast).encode(x=alt.X("timestamp:T", title=None, axis=day_axis()))
    band95 = base.mark_area(opacity=0.15).encode(y=alt.Y("lo95:Q", title="tickets per interval"), y2="hi95:Q")
    band80 = base.mark_area(opacity=0.3).encode(y="lo80:Q", y2="hi80:Q")
    mean = base.mark_line().encode(y="mean:Q", tooltip=["timestamp:T", "mean:Q", "lo80:Q", "hi80:Q"])
    past = alt.Chart(history).mark_line(color="grey", opacity=0.7).encode(x="timestamp:T", y="count:Q")
    return alt.layer(past, band95, band80, mean).properties(height=320)


def local_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Vega-Lite shows times in the browser's zone: hand it the site's wall-clock time instead."""
    return frame.assign(timestamp=pd.DatetimeIndex(frame["timestamp"]).tz_convert(zone).tz_localize(None))


tabs = st.tabs(["Forecast", "Backtest", "Staffing", "Events", "Runs"])
if outcome is None:
    for tab in tabs[:3]:
        tab.info("Pick the week and run the forecast. The backtest takes a few seconds per queue.")
else:
    result = outcome.result
    with tabs[0]:
        queue = st.selectbox("Queue", sorted(result.chosen))
        history = outcome.history[outcome.history["queue"] == queue]
        recent = history[history["timestamp"] >= history["timestamp"].max() - pd.Timedelta(days=14)]
        forecast = result.forecast[result.forecast["queue"] == queue]
        st.altair_chart(band_chart(local_times(recent), local_times(forecast)), use_container_width=True)
        total = forecast["mean"].sum()
        st.caption(f"Model: **{result.chosen[queue]}** · {result.open_hours[queue]} · "
                   f"{total:,.0f} tickets forecast over {outcome.horizon_days} days")
        for note in result.notes:
            if note.startswith(f"queue {queue}:") or not note.startswith("queue "):
                st.caption(f"Note: {note.removeprefix(f'queue {queue}: ')}")
    with tabs[1]:
        table = result.backtest.copy()
        table["chosen"] = table.apply(lambda r: "✓" if result.chosen.get(r["queue"]) == r["model"] else "", axis=1)
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "wape": st.column_config.NumberColumn("WAPE", format="%.3f"),
            "mase": st.column_config.NumberColumn("MASE", format="%.2f"),
            "bias": st.column_config.NumberColumn("bias", format="%+.3f"),
            "coverage80": st.column_config.NumberColumn("80% cover", format="%.2f"),
            "coverage95": st.column_config.NumberColumn("95% cover", format="%.2f"),
        })
        st.caption("Rolling origin over the last weeks, one-week horizon; lower WAPE is better.")
    with tabs[2]:
        required = local_times(outcome.staffing.required)
        required["end"] = required["timestamp"] + pd.Timedelta(minutes=outcome.interval_minutes)
        heat = alt.Chart(required).mark_rect().encode(
            x=alt.X("timestamp:T", title=None, axis=day_axis()),
            x2="end:T",
            y=alt.Y("skill:N", title=None),
            color=alt.Color("required:Q", scale=alt.Scale(scheme="blues"), title="agents"),
            tooltip=["timestamp:T", "skill:N", "required:Q"],
        ).properties(height=220)
        st.altair_chart(heat, use_container_width=True)
        peak = required.groupby("skill")["required"].agg(["min", "max", "mean"]).round(1)
        st.dataframe(peak.rename(columns={"min": "lowest", "max": "peak", "mean": "average"}), width="stretch")
        st.caption("Required agents on shift per interval and skill: Erlang C/A for phone and chat, "
                   "first-response workload for e-mail and web forms, after shrinkage, with a 24x7 floor.")
        approve = user.can("forecast.approve")
        if st.button("Approve forecast and staffing" if approve else "Save as draft", type="primary"):
            with db() as session:
                run = save_forecast(session, user, team_id, outcome, now(), approve=approve)
            st.success(f"Run #{run.id} approved: the roster for the week of {outcome.start:%d %b} will be built "
                       "against this staffing." if approve else f"Run #{run.id} saved as a draft for a manager.")
with tabs[3]:
    st.caption("Events change the forecast on their dates: a multiplier (5 = five times normal) or, "
               "left empty, an effect learned from past occurrences.")
    can_edit = user.can("forecast.approve")
    edited = st.data_editor(events, num_rows="dynamic", hide_index=True, key="events_editor", disabled=not can_edit,
                            column_config={"multiplier": st.column_config.NumberColumn(min_value=0.01, step=0.1)})
    if can_edit and st.button("Save events"):
        try:
            with db() as session:
                saved = save_events(session, user, team_id, edited)
            st.success(f"{saved} event(s) saved: run the forecast again to use them.")
        except UserError as exc:
            show_error(exc)
with tabs[4]:
    st.dataframe(
        pd.DataFrame([{"run": r.id, "created": local_time(r.created_at, zone),
                       "week": local_time(r.start_at, zone, "%a %d %b %Y"), "interval": r.interval_minutes,
                       "model": r.model, "status": r.status.value} for r in runs]),
        hide_index=True, width="stretch",
    )
