"""`shiftdesk roster`: build a team's week with the CP-SAT engine and write it out.

    shiftdesk roster --team "Customer Care" --week 2026-11-30 --time-limit 60 --out rosters/
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("roster")(roster)


def roster(
    team: str = typer.Option(None, "--team", help="Team name (default: the only/first team)."),
    week: str = typer.Option(..., "--week", help="Monday of the week, YYYY-MM-DD (local)."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds the solver may search."),
    out: Path = typer.Option(None, "--out", help="A .csv/.xlsx file, or a folder for CSV, Excel and one ICS per agent."),
    workers: int = typer.Option(None, "--workers", help="CP-SAT workers (default: the engine's)."),
    publish: bool = typer.Option(False, "--publish", help="Publish the roster when it breaks no hard rule."),
) -> None:
    """Solve the week against the approved staffing, store it as a draft version, and write it out."""
    from shiftdesk.clock import utc_now
    from shiftdesk.errors import UserError
    from shiftdesk.runtime import session_factory
    from shiftdesk.services import rosters
    from shiftdesk.services.roster_exports import write_roster
    from store.db import session_scope
    from store.org import team_id_by_name

    try:
        monday = date.fromisoformat(week)
    except ValueError:
        raise UserError(f"--week '{week}' is not a date (YYYY-MM-DD)") from None
    now = utc_now()
    with session_scope(session_factory()) as session:
        team_id = team_id_by_name(session, team)
        plan = rosters.build_week(session, team_id, monday, now)
        typer.echo(f"{plan.problem.name}: {len(plan.problem.employees)} agents, demand from {plan.demand_source}",
                   err=True)

        def progress(p) -> None:  # noqa: ANN001 - rostering.solve.Progress
            bound = "-" if p.bound is None else p.bound
            typer.echo(f"  {p.elapsed_s:6.1f} s  objective {p.objective}  bound {bound}", err=True)

        result = rosters.solve_week(plan, time_limit_s=time_limit, workers=workers, on_progress=progress)
        typer.echo(f"{result.status.value}: {result.message}")
        for explanation in result.explanations[:10]:
            typer.echo(f"  - {explanation.text}")
        if result.roster is None:
            raise UserError("no roster to store: " + result.message)
        row = rosters.save_draft(session, None, plan, result.roster, now, solver_status=result.status.value)
        typer.echo(f"stored as version {row.version} (draft), objective {row.objective}")
        if publish:
            rosters.publish(session, None, row.id, now)
            typer.echo(f"version {row.version} published")
        if out is not None:
            from store.rosters import roster_with_assignments

            session.flush()
            written = write_roster(roster_with_assignments(session, row.id), plan.problem.tz, out)
            typer.echo(f"wrote {len(written)} file(s) to {out}")
