"""Sweeps: ``tune_configs/*.yaml`` -> a Ray Tune run over the 20 experiment parameters.

``load_sweep`` validates a sweep file (naming file, key and reason) without importing
Ray; ``run_sweep``/``resume_sweep`` run it with Tune under ``{storage}/sweeps/NAME``
and register the best trial's checkpoint; ``write_report`` draws learning curves and
parameter-vs-metric plots. See docs/sweeps.md.
"""

from arenalab.sweeps.loading import SweepError, SweepPlan, load_sweep
from arenalab.sweeps.report import Report, write_report
from arenalab.sweeps.results import TrialRow, collect_trials
from arenalab.sweeps.runner import SweepOutcome, resume_sweep, run_sweep
from arenalab.sweeps.schema import SweepSpec
from arenalab.sweeps.space import Distribution
from arenalab.sweeps.store import SweepDir, SweepNotFoundError

__all__ = [
    "Distribution",
    "Report",
    "SweepDir",
    "SweepError",
    "SweepNotFoundError",
    "SweepOutcome",
    "SweepPlan",
    "SweepSpec",
    "TrialRow",
    "collect_trials",
    "load_sweep",
    "resume_sweep",
    "run_sweep",
    "write_report",
]
