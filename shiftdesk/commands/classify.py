"""`shiftdesk classify ...`: evaluate the ticket classifier on CSV files, train it on the desk, show versions.

`evaluate` is the contract independent checks rely on: train on one CSV,
score another, and print as the last line
`macro_f1=X accuracy=Y train_s=Z p99_ms=W`. Input files are read and checked
before scikit-learn is imported, so a bad file is refused at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shiftdesk.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from tickets.classify.evaluation import Evaluation

DEFAULT_TARGET_PRECISION = 0.95
SHOWN_CONFUSIONS = 10  # most frequent mistakes listed by --details


def register(app: typer.Typer) -> None:
    classify = typer.Typer(help="Ticket classifier: evaluate on CSV files, train on the desk, show versions.",
                           no_args_is_help=True)
    classify.command("evaluate")(evaluate)
    classify.command("train")(train)
    classify.command("show")(show)
    app.add_typer(classify, name="classify")


def _target_precision(value: float) -> float:
    if not 0.0 < value <= 1.0:
        raise UserError(f"--target-precision must be above 0 and at most 1, not {value:g}")
    return value


def evaluate(
    train_file: Path = typer.Option(..., "--train", help="Labelled CSV to train on (UTF-8, header row)."),
    test_file: Path = typer.Option(..., "--test", help="Labelled CSV to score the model on."),
    text_column: str = typer.Option("text", "--text-column"),
    label_column: str = typer.Option("category", "--label-column"),
    target_precision: float = typer.Option(
        DEFAULT_TARGET_PRECISION, "--target-precision",
        help="Predictions kept out of triage must be right this often on cross-validation."),
    details: bool = typer.Option(False, "--details", help="Also print per-label figures and the top confusions."),
) -> None:
    """Train on --train, score on --test; last line: macro_f1=X accuracy=Y train_s=Z p99_ms=W."""
    from tickets.classify.labelled_csv import read_labelled_csv, require_two_labels

    precision = _target_precision(target_precision)
    training = read_labelled_csv(train_file, text_column, label_column)
    require_two_labels(training, label_column)
    testing = read_labelled_csv(test_file, text_column, label_column)

    from tickets.classify.evaluation import evaluate as score
    from tickets.classify.evaluation import measure_latency
    from tickets.classify.model import ClassifierError, ModelConfig, train_classifier

    try:
        result = train_classifier(training.texts, training.labels, target=label_column,
                                  config=ModelConfig(target_precision=precision))
    except ClassifierError as exc:
        raise UserError(f"{train_file}, column {label_column}: {exc}") from None
    classifier = result.classifier
    scored = score(classifier, testing.texts, testing.labels)
    latency = measure_latency(classifier, testing.texts)

    typer.echo(f"trained on {result.rows} rows of {train_file} ({len(classifier.labels)} labels) "
               f"in {result.train_seconds:.2f} s; scored {scored.rows} rows of {test_file}")
    if result.dropped_labels:
        typer.echo(f"left out (fewer than {classifier.config.calibration_folds} examples): "
                   + ", ".join(f"{label} x{n}" for label, n in result.dropped_labels.items()))
    typer.echo(f"cross-validation on {train_file.name}: macro-F1 {result.validation.macro_f1:.4f}, "
               f"accuracy {result.validation.accuracy:.4f}")
    typer.echo(_triage_line(classifier.threshold, precision, scored))
    typer.echo(f"latency per ticket: p50 {latency.p50_ms:.3f} ms, p99 {latency.p99_ms:.3f} ms "
               f"({latency.calls} single-text predictions)")
    if details:
        for line in _detail_lines(scored):
            typer.echo(line)
    typer.echo(f"macro_f1={scored.macro_f1:.4f} accuracy={scored.accuracy:.4f} "
               f"train_s={result.train_seconds:.2f} p99_ms={latency.p99_ms:.3f}")


def train(
    target: list[str] = typer.Option(
        None, "--target", help="category, priority or queue; repeat for several (default: all three)."),
    target_precision: float = typer.Option(
        DEFAULT_TARGET_PRECISION, "--target-precision",
        help="Predictions kept out of triage must be right this often on cross-validation."),
) -> None:
    """Train from the desk's labelled tickets; each model trained becomes the active version."""
    from shiftdesk.clock import utc_now
    from store.db import session_scope
    from tickets.classify.model import ModelConfig
    from tickets.classify_service import TARGETS, train_targets

    config = ModelConfig(target_precision=_target_precision(target_precision))
    with session_scope(_migrated_session_factory()) as session:
        outcomes = train_targets(session, utc_now(), target or TARGETS, config,
                                 progress=lambda message: typer.echo(message + " ...", err=True))
    for outcome in outcomes:
        if outcome.result is None:
            typer.echo(f"{outcome.target}: not trained: {outcome.skipped}")
            continue
        validation, classifier = outcome.result.validation, outcome.result.classifier
        typer.echo(
            f"{outcome.target}: version {outcome.version} from {outcome.result.rows} labelled tickets "
            f"({outcome.corrected} corrected by agents), {len(classifier.labels)} labels; "
            f"cross-validated macro-F1 {validation.macro_f1:.4f}, accuracy {validation.accuracy:.4f}; "
            + _threshold_text(classifier.threshold, validation.triage_share)
        )
        if outcome.result.dropped_labels:
            typer.echo(f"  left out, fewer than {classifier.config.calibration_folds} tickets each: "
                       + ", ".join(f"{label} x{n}" for label, n in outcome.result.dropped_labels.items()))
    if all(outcome.result is None for outcome in outcomes):
        raise UserError("no classifier trained: " + "; ".join(f"{o.target}: {o.skipped}" for o in outcomes))


def show(
    details: bool = typer.Option(False, "--details", help="Also print per-label figures and the top confusions."),
) -> None:
    """The active classifier per target, with the figures it was validated with."""
    from importlib.metadata import version

    from store.classifiers import active_models

    installed = version("scikit-learn")
    with _migrated_session_factory()() as session:
        models = active_models(session)
        if not models:
            typer.echo("no classifier trained yet: run `shiftdesk classify train`")
            return
        for model in models:
            metrics = model.metrics
            typer.echo(
                f"{model.target}: version {model.version}, trained {model.created_at:%Y-%m-%d %H:%M} UTC "
                f"on {model.trained_on} tickets ({metrics.get('corrected_rows', 0)} corrected), "
                f"{len(model.labels)} labels; macro-F1 {metrics['macro_f1']:.4f}, accuracy {metrics['accuracy']:.4f} "
                f"({metrics['scored_on']}); " + _threshold_text(metrics["threshold"], metrics["triage_share"])
            )
            if metrics.get("sklearn") != installed:
                typer.echo(f"  not in use: saved by scikit-learn {metrics.get('sklearn')}, this install has "
                           f"{installed}; retrain with `shiftdesk classify train`")
            if details:
                for line in _stored_detail_lines(metrics):
                    typer.echo("  " + line)


def _migrated_session_factory() -> sessionmaker[Session]:
    """The desk's sessions, once its schema is known to hold the classifier table."""
    from shiftdesk.runtime import engine_from_settings, session_factory
    from store import migrate

    if migrate.current_revision(engine_from_settings()) != migrate.head_revision():
        raise UserError("database schema is not up to date: run `shiftdesk db upgrade` first")
    return session_factory()


def _threshold_text(threshold: float, triage_share: float) -> str:
    from tickets.classify.calibration import ALWAYS_TRIAGE

    if threshold >= ALWAYS_TRIAGE:
        return "no confidence meets the target precision: every suggestion goes to triage"
    return f"triage below confidence {threshold:.3f} ({triage_share:.1%} of tickets)"


def _triage_line(threshold: float, target_precision: float, scored: Evaluation) -> str:
    text = f"test file: {_threshold_text(threshold, scored.triage_share)}"
    if scored.kept_accuracy is not None:
        text += f"; the rest right {scored.kept_accuracy:.1%} (target {target_precision:.0%})"
    return text


def _detail_lines(scored: Evaluation) -> list[str]:
    return _stored_detail_lines({
        "per_label": scored.per_label,
        "confusion": {"labels": scored.confusion_labels, "matrix": scored.confusion},
    })


def _stored_detail_lines(metrics: dict[str, Any]) -> list[str]:
    """Per-label precision/recall/F1/support, then the most frequent true -> predicted mistakes."""
    width = max(len("label"), *(len(label) for label in metrics["per_label"]))
    lines = [f"{'label':<{width}} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>7}"]
    for label, row in metrics["per_label"].items():
        lines.append(f"{label:<{width}} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>7.3f} "
                     f"{row['support']:>7d}")
    labels, matrix = metrics["confusion"]["labels"], metrics["confusion"]["matrix"]
    mistakes = sorted(((count, labels[i], labels[j]) for i, row in enumerate(matrix) for j, count in enumerate(row)
                       if i != j and count), key=lambda m: (-m[0], m[1], m[2]))[:SHOWN_CONFUSIONS]
    if mistakes:
        lines.append("most frequent confusions (true -> predicted):")
        lines.extend(f"  {count:>4}  {true} -> {predicted}" for count, true, predicted in mistakes)
    return lines
