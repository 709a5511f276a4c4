"""Training: RLlib runs from experiments, with checkpoints, registry records and evaluation.

``train(experiment)`` is the library form of ``arenalab train``;
``create_training_session(fighter_id, config)`` is seed 000's own loop over the same
config (you collect, train and save); ``submit_training`` runs ``arenalab train`` as a
Ray job on a cluster.
"""

from arenalab.training.evaluation import Score, evaluate_model, score_checkpoint
from arenalab.training.progress import Progress
from arenalab.training.runner import RegisteredModel, TrainingResult, train
from arenalab.training.runs import RunDir, RunNotFoundError, open_run
from arenalab.training.session import TrainingConfig, TrainingSession, create_training_session
from arenalab.training.stopping import StopRequest

__all__ = [
    "Progress",
    "RegisteredModel",
    "RunDir",
    "RunNotFoundError",
    "StopRequest",
    "TrainingConfig",
    "TrainingSession",
    "TrainingResult",
    "Score",
    "create_training_session",
    "evaluate_model",
    "open_run",
    "score_checkpoint",
    "train",
]
