"""ONNX export of a policy's greedy action: one self-contained file for the browser.

The graph takes raw observations (``obs``, float32 ``[batch, size]``) and returns the
env-ready greedy action (``action``) and the distribution inputs
(``action_dist_inputs``): the observation filter, the action unsquashing and, for a
table of actions (the arena's ``action_set: discrete``), the argmax's row of the table
are inside, so a game runs it with onnxruntime-web and nothing else. The export is checked against
:meth:`Policy.act` on sample observations before it is returned.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import onnx
import torch
from ray.rllib.core.columns import Columns

from arenalab.policies.loading import CACHE_DIR, cache_key
from arenalab.policies.policy import Policy, decodes_actions
from arenalab.registry import Model

TOLERANCE = 1e-4
SAMPLE_SIZE = 64


@dataclass(frozen=True)
class OnnxExport:
    """Where the exported file is and how far it strays from the torch policy."""

    path: Path
    max_abs_diff: float


class _GreedyGraph(torch.nn.Module):
    """Filter -> module -> greedy action -> unsquash, as tensor operations only."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.module = policy.module
        self.dist_cls = policy.module.get_inference_action_dist_cls()
        flt = policy.connectors.observation_filter
        shift, scale, clip = flt.affine() if flt else (0.0, 1.0, None)
        self.register_buffer("shift", torch.as_tensor(shift, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.obs_clip = clip
        post, space = policy.connectors.postprocess, policy.module.action_space
        self.bounds = None
        if isinstance(space, gym.spaces.Box) and (post.normalize or post.clip):
            self.register_buffer("low", torch.as_tensor(space.low, dtype=torch.float32))
            self.register_buffer("high", torch.as_tensor(space.high, dtype=torch.float32))
            self.bounds = "unsquash" if post.normalize else "clip"
        table = space.table if decodes_actions(space) else None  # arena ``action_set: discrete``
        self.register_buffer("table", None if table is None else torch.as_tensor(table))

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (obs - self.shift) / self.scale
        if self.obs_clip is not None:
            x = torch.clamp(x, -self.obs_clip, self.obs_clip)
        inputs = self.module.forward_inference({Columns.OBS: x})[Columns.ACTION_DIST_INPUTS]
        action = self.dist_cls.from_logits(inputs).to_deterministic().sample()
        if self.bounds == "unsquash":
            action = self.low + (action + 1.0) * (self.high - self.low) / 2.0
        if self.bounds is not None:
            action = torch.maximum(torch.minimum(action, self.high), self.low)
        if self.table is not None:
            action = self.table[action.long()]  # a Gather: the game gets the 4-vector
        return action, inputs


def export_onnx(policy: Policy, path: Path, *, seed: int = 0) -> OnnxExport:
    """Write ``path`` (one file, weights inside) and check it against the torch policy."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    space = policy.observation_space
    space.seed(seed)
    sample = np.stack([space.sample() for _ in range(SAMPLE_SIZE)]).astype(np.float32)
    sample = sample.reshape(SAMPLE_SIZE, policy.observation_size)
    torch.onnx.export(
        _GreedyGraph(policy).eval(),
        (torch.from_numpy(sample),),
        str(path),
        input_names=["obs"],
        output_names=["action", "action_dist_inputs"],
        dynamic_shapes={"obs": {0: torch.export.Dim("batch")}},
        external_data=False,
        verbose=False,
    )
    _inline_external_data(path)
    diff = _max_abs_diff(policy, path, sample)
    if not diff <= TOLERANCE:
        path.unlink(missing_ok=True)
        raise ValueError(f"ONNX export differs from torch by {diff} (> {TOLERANCE})")
    return OnnxExport(path, diff)


def cached_onnx(policy: Policy, model: Model, data_dir: Path) -> OnnxExport:
    """The registered model's checked export, made once per machine (``model-cache/onnx``).

    The file is named after what the row points at (its checkpoint and module, as
    :func:`~arenalab.policies.loading.local_checkpoint` names its copies): rows never
    change what they point at, so an export never goes stale, and rows sharing one
    checkpoint share one export. It is written under a temporary name and renamed, so
    a concurrent reader never sees half of one.
    """
    folder = Path(data_dir) / CACHE_DIR / "onnx"
    name = cache_key(model.checkpoint_uri, model.module_id)
    path, check = folder / f"{name}.onnx", folder / f"{name}.check.json"
    if not (path.exists() and check.exists()):
        staging = folder / f".{name}-{uuid.uuid4().hex}.onnx"
        export = export_onnx(policy, staging)
        check.write_text(json.dumps({"max_abs_diff": export.max_abs_diff}))
        os.replace(staging, path)
    return OnnxExport(path, json.loads(check.read_text())["max_abs_diff"])


def _inline_external_data(path: Path) -> None:
    """Make sure the weights live inside the .onnx file (docs/architecture.md 4.6: one file)."""
    model = onnx.load(str(path), load_external_data=True)
    onnx.save(model, str(path), save_as_external_data=False)
    for stray in path.parent.glob(f"{path.name}.data"):
        stray.unlink()
    for tensor in onnx.load(str(path), load_external_data=False).graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise ValueError(f"{path} still references external data for {tensor.name}")


def _max_abs_diff(policy: Policy, path: Path, sample: np.ndarray) -> float:
    """Largest difference of action and distribution inputs between ONNX and torch."""
    import onnxruntime  # only exports pay for it

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    action, inputs = session.run(None, {"obs": sample})
    want_action = np.asarray(policy.act(sample, deterministic=True), dtype=np.float32)
    want_inputs = policy.distribution_inputs(sample).numpy()
    return float(max(np.abs(action - want_action).max(), np.abs(inputs - want_inputs).max()))
