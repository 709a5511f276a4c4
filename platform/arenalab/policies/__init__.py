"""Trained policies at inference time: checkpoint -> RLModule + connectors -> actions or ONNX.

Only the RLModule is loaded (no Algorithm, no env runners); what RLlib's connectors do
around it (observation filters, greedy or sampled actions, unsquashing to the action
space) is applied here with RLlib's own functions, on numpy batches (docs/architecture.md 4.6).
"""

from arenalab.policies.best import BestModels
from arenalab.policies.errors import ObservationError, UnsupportedCheckpointError
from arenalab.policies.loading import load_registered_policy, local_checkpoint
from arenalab.policies.onnx_export import OnnxExport, cached_onnx, export_onnx
from arenalab.policies.policy import Policy

__all__ = [
    "BestModels",
    "ObservationError",
    "OnnxExport",
    "Policy",
    "UnsupportedCheckpointError",
    "cached_onnx",
    "export_onnx",
    "load_registered_policy",
    "local_checkpoint",
]
