"""Training: RLlib runs from experiments, with checkpoints, registry records and evaluation.

``train(experiment)`` is the library form of ``arenalab train`` and of seed 000's
``create_training_session(fighter_id, config)``; ``submit_training`` runs the same
command as a Ray job on a cluster.
"""

from arenalab.training.evaluation import Score, evaluate_model, score_checkpoint
from arenalab.training.progress import Progress
from arenalab.training.runner import RegisteredModel, TrainingResult, train
from arenalab.training.runs import RunDir, RunNotFoundError, open_run
from arenalab.training.stopping import StopRequest

__all__ = [
    "Progress",
    "RegisteredModel",
    "RunDir",
    "RunNotFoundError",
    "StopRequest",
    "TrainingResult",
    "Score",
    "evaluate_model",
    "open_run",
    "score_checkpoint",
    "train",
]
