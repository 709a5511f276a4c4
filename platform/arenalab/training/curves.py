"""The learning curve of a run: training return and periodic greedy evaluations, as a PNG.

Drawn from the session's metrics rows in the registry (so a resumed run's curve
covers every iteration) and written to ``{run}/learning_curve.png`` at the end of a run.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from arenalab.registry.models import Metric
from arenalab.training.runs import RUNS, RunDir

CURVE_FILE = "learning_curve.png"
TRAIN_KEY = "episode_return_mean"
EVAL_KEY = "evaluation/mean_return"
MARGIN_KEY = "evaluation/margin_over_random"


def curve_png(rows: Iterable[Metric], title: str, *, random_line: bool = True) -> bytes:
    """PNG bytes: mean training return and evaluation return against env steps.

    ``random_line`` adds the random policy's return on the evaluation seeds (Pac-Man;
    an arena margin is a fight score, not a return).
    """
    import matplotlib  # only runs pay for matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = list(rows)
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    try:
        for key, label, style in (
            (TRAIN_KEY, "training episodes (mean return)", "-"),
            (EVAL_KEY, "greedy evaluation (mean return)", "o-"),
        ):
            points = [(row.env_steps, row.values[key]) for row in rows if key in row.values]
            if points:
                steps, values = zip(*points, strict=True)
                axes.plot(steps, values, style, label=label)
        baseline = [
            (row.env_steps, row.values[EVAL_KEY] - row.values[MARGIN_KEY])
            for row in rows
            if EVAL_KEY in row.values and MARGIN_KEY in row.values
        ]
        if baseline and random_line:
            steps, values = zip(*baseline, strict=True)
            axes.plot(steps, values, "k--", label="random policy (same seeds)")
        axes.set_xlabel("env steps")
        axes.set_ylabel("return")
        axes.set_title(title)
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="best", fontsize=8)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def write_learning_curve(
    run: RunDir, rows: Iterable[Metric], title: str, *, random_line: bool = True
) -> str:
    """Write the curve into the run folder and return its URI."""
    storage = run.storage
    with storage.filesystem.open_output_stream(storage.path(RUNS, run.run_id, CURVE_FILE)) as out:
        out.write(curve_png(rows, title, random_line=random_line))
    return storage.uri_of(RUNS, run.run_id, CURVE_FILE)
