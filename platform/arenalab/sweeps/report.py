"""``arenalab sweep report NAME``: learning curves and parameter-vs-metric plots, plus a CSV.

One PNG a person can read at a glance: the sweep metric per iteration for every trial
(left), then one panel per searched parameter with each trial's final metric against
its value (log axis for ``loguniform``, category axis for non-numeric choices), the best
trial starred. The CSV has one row per trial in rank order. Both are written into the
sweep folder (so they travel with it to object storage) and optionally to a local folder.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arenalab.settings import Settings, get_settings
from arenalab.storage import open_storage
from arenalab.sweeps.loading import SweepPlan
from arenalab.sweeps.results import TrialRow, collect_trials
from arenalab.sweeps.store import SweepDir

PNG_NAME, CSV_NAME = "report.png", "report.csv"
MAX_LEGEND = 12


@dataclass(frozen=True)
class Report:
    """Where the report went, and the ranked trials it shows."""

    png_uri: str
    csv_uri: str
    trials: list[TrialRow]


def write_report(
    name: str, *, out_dir: Path | None = None, settings: Settings | None = None
) -> Report:
    """Draw and save the report of sweep ``name`` (also into ``out_dir`` when given)."""
    sweep = SweepDir(open_storage(settings or get_settings()), name)
    plan = sweep.read_plan()
    rows = collect_trials(sweep, plan, history=True)
    files = {PNG_NAME: render_png(rows, plan, name), CSV_NAME: render_csv(rows, plan)}
    uris = {file: sweep.write(file, data) for file, data in files.items()}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for file, data in files.items():
            (out_dir / file).write_bytes(data)
            uris[file] = str(out_dir / file)
    return Report(uris[PNG_NAME], uris[CSV_NAME], rows)


def render_csv(rows: list[TrialRow], plan: SweepPlan) -> bytes:
    """One row per trial, best first: rank, id, status, iterations, metric, parameters."""
    params = list(plan.searched)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["rank", "trial_id", "status", "iterations", plan.spec.metric, *params, "checkpoint"]
    )
    for rank, row in enumerate(rows, 1):
        values = [row.params.get(key, "") for key in params]
        metric = "" if row.metric is None else row.metric
        writer.writerow(
            [
                rank,
                row.trial_id,
                row.status,
                row.iterations,
                metric,
                *values,
                row.checkpoint_uri or "",
            ]
        )
    return out.getvalue().encode("utf-8")


def render_png(rows: list[TrialRow], plan: SweepPlan, name: str) -> bytes:
    """The figure as PNG bytes (matplotlib's Agg backend: no display needed)."""
    from matplotlib.figure import Figure  # Figure() needs no pyplot state

    params = list(plan.searched)
    figure = Figure(figsize=(5.0 * (1 + len(params)), 4.2), layout="constrained")
    axes = figure.subplots(1, 1 + len(params), squeeze=False)[0]
    metric = plan.spec.metric
    best = rows[0] if rows and rows[0].metric is not None else None
    curves = axes[0]
    for row in rows:
        if row.history:
            steps, values = zip(*row.history, strict=True)
            style = {"linewidth": 2.5} if row is best else {"linewidth": 1.0, "alpha": 0.8}
            curves.plot(steps, values, marker=".", label=_label(row), **style)
    curves.set(title="learning curves", xlabel="training iteration", ylabel=metric)
    if 0 < len(rows) <= MAX_LEGEND:
        curves.legend(fontsize="x-small")
    for ax, key in zip(axes[1:], params, strict=True):
        _parameter_panel(ax, key, rows, best, plan)
    figure.suptitle(f"sweep {name}: {len(rows)} trials, {plan.spec.mode} {metric}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _label(row: TrialRow) -> str:
    params = ", ".join(
        f"{key.rpartition('.')[2]}={value:.3g}"
        if isinstance(value, float)
        else f"{key.rpartition('.')[2]}={value}"
        for key, value in row.params.items()
    )
    return f"{row.trial_id[-5:]} {params}"


def _parameter_panel(
    ax: Any, key: str, rows: list[TrialRow], best: TrialRow | None, plan: SweepPlan
) -> None:
    """Final metric against one parameter's value, one point per trial."""
    scored = [row for row in rows if row.metric is not None and key in row.params]
    values = [row.params[key] for row in scored]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric:
        xs = values
    else:
        categories = sorted({str(v) for v in values})
        xs = [categories.index(str(v)) for v in values]
        ax.set_xticks(range(len(categories)), categories)
    ax.scatter(xs, [row.metric for row in scored], s=36)
    if best is not None and best in scored:
        index = scored.index(best)
        ax.scatter([xs[index]], [best.metric], marker="*", s=240, color="tab:red", label="best")
        ax.legend(fontsize="x-small")
    if plan.searched[key].kind == "loguniform":
        ax.set_xscale("log")
    ax.set(title=key, xlabel=key, ylabel=f"final {plan.spec.metric.rpartition('/')[2]}")
