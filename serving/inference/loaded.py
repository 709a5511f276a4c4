"""A loaded policy answering on the faster of ONNX Runtime and torch, both checked equal.

Greedy actions (what games ask for) move to ONNX Runtime once the model's export exists
and measures faster than torch for one observation; sampled actions, and modules that
export no action distribution (DQN's argmax of Q), stay on torch. The export is checked
against :meth:`Policy.act` before it serves (:func:`arenalab.policies.export_onnx`,
within 1e-4), so either runtime answers the same actions. Until the export is ready
(seconds, once per model and data dir) the policy answers on torch, so a new model
serves at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from arenalab.policies import ObservationError, Policy, local_checkpoint
from arenalab.policies.loading import CACHE_DIR
from arenalab.registry import Model
from arenalab.serving.inference.onnx_files import OnnxFiles
from arenalab.serving.inference.protocol import ActGroup, ActOutcome
from arenalab.storage import Storage

TIMING_CALLS = 32  # per runtime, interleaved; the median decides
ACTION = ["action"]

log = logging.getLogger(__name__)


@dataclass
class LoadedPolicy:
    """A policy plus, once measured faster, its ONNX Runtime session for greedy actions."""

    model: Model
    checkpoint: Path
    """The local checkpoint folder the policy was loaded from."""
    policy: Policy
    nbytes: int
    """Memory the model holds: its torch weights and their copy in the ONNX session."""
    runtime: str = "torch"
    session: onnxruntime.InferenceSession | None = field(default=None, repr=False)
    timings_us: dict[str, float] | None = None
    """Measured microseconds per greedy action on one observation, per runtime."""

    def summary(self) -> dict:
        """What ``GET /api/v1/inference/models`` shows of this model."""
        return {
            "runtime": self.runtime,
            "runtime_chosen": self.timings_us is not None or self.policy.acts_directly,
            "timings_us": self.timings_us,
            "nbytes": self.nbytes,
        }

    def outcome(self, group: ActGroup) -> ActOutcome:
        """The group's actions, or why its observations were refused (row, message)."""
        try:
            rows = self.policy.check(group.observations)
        except ObservationError as exc:
            return ActOutcome(error=str(exc), error_row=exc.loc[0] if exc.loc else None)
        return ActOutcome(self.act(rows, deterministic=group.deterministic))

    def check(self, observations: np.ndarray) -> np.ndarray:
        """A (batch, size) float32 array, or ObservationError naming the bad row."""
        return self.policy.check(observations)

    def act(self, observations: np.ndarray, *, deterministic: bool = True) -> np.ndarray:
        """Env-ready actions for checked observations, as :meth:`Policy.act` answers them."""
        if deterministic and self.session is not None:
            return self.session.run(ACTION, {"obs": observations})[0]
        return self.policy.act(observations, deterministic=deterministic)

    async def use_onnx_if_faster(self, files: OnnxFiles) -> None:
        """Export (or find) the model's ONNX file, time both runtimes, keep the faster."""
        if self.policy.acts_directly:
            return
        try:
            file = await files.get(self.model, self.checkpoint)
            session = await asyncio.to_thread(open_session, file.path)
        except Exception as exc:  # any export failure leaves torch serving
            log.warning("model %d stays on torch: no ONNX export (%s)", self.model.id, exc)
            self.timings_us = {}
            return
        onnx_us, torch_us = await asyncio.to_thread(timings, self.policy, session)
        if onnx_us < torch_us:
            self.session, self.runtime = session, "onnx"
        self.timings_us = {"onnx": round(onnx_us, 1), "torch": round(torch_us, 1)}
        log.info(
            "model %d acts on %s (%s us per observation)",
            self.model.id,
            self.runtime,
            self.timings_us,
        )


def load_policy(model: Model, storage: Storage, data_dir: Path) -> LoadedPolicy:
    """A registered model's policy on torch (single-threaded: many tiny forward passes)."""
    torch.set_num_threads(1)
    cache = data_dir / CACHE_DIR
    checkpoint = local_checkpoint(model.checkpoint_uri, storage, cache, model.module_id)
    policy = Policy.from_checkpoint(checkpoint, model.module_id)
    weights = sum(t.numel() * t.element_size() for t in policy.module.state_dict().values())
    return LoadedPolicy(model, checkpoint, policy, 2 * weights)


def open_session(path: Path) -> onnxruntime.InferenceSession:
    """One single-threaded CPU session: the replica's other requests need the other cores."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def timings(policy: Policy, session: onnxruntime.InferenceSession) -> tuple[float, float]:
    """Median microseconds per greedy action on one observation: ONNX Runtime, torch."""
    obs = np.zeros((1, policy.observation_size), np.float32)
    runs = {"onnx": [], "torch": []}
    for _ in range(TIMING_CALLS):
        for name, run in (
            ("onnx", lambda: session.run(ACTION, {"obs": obs})),
            ("torch", lambda: policy.act(obs)),
        ):
            start = time.perf_counter()
            run()
            runs[name].append(time.perf_counter() - start)
    return float(np.median(runs["onnx"]) * 1e6), float(np.median(runs["torch"]) * 1e6)
