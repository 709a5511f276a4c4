"""Trained policies at inference time: checkpoint -> RLModule + connectors -> actions or ONNX.

Only the RLModule is loaded (no Algorithm, no env runners); what RLlib's connectors do
around it (observation filters, greedy or sampled actions, unsquashing to the action
space) is applied here with RLlib's own functions, on numpy batches (DESIGN.md 4.6).
"""

from arenalab.policies.errors import ObservationError, UnsupportedCheckpointError
from arenalab.policies.loading import load_registered_policy, local_checkpoint
from arenalab.policies.onnx_export import OnnxExport, export_onnx
from arenalab.policies.policy import Policy

__all__ = [
    "ObservationError",
    "OnnxExport",
    "Policy",
    "UnsupportedCheckpointError",
    "export_onnx",
    "load_registered_policy",
    "local_checkpoint",
]
