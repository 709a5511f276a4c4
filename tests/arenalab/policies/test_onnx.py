"""The ONNX export is one self-contained file that acts like the torch policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from arenalab.policies import Policy, export_onnx


def test_onnx_export_is_one_file_matching_torch(filtered_checkpoint: Path, tmp_path: Path) -> None:
    """Weights inline, no .data file, greedy actions equal Policy.act within 1e-4."""
    policy = Policy.from_checkpoint(filtered_checkpoint)
    export = export_onnx(policy, tmp_path / "policy.onnx")
    assert export.path == tmp_path / "policy.onnx"
    assert export.max_abs_diff < 1e-4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.onnx"]
    model = onnx.load(str(export.path), load_external_data=False)
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    obs = np.random.default_rng(3).uniform(-1, 1, (7, policy.observation_size)).astype(np.float32)
    session = onnxruntime.InferenceSession(str(export.path), providers=["CPUExecutionProvider"])
    action, _ = session.run(None, {"obs": obs})
    np.testing.assert_allclose(action, policy.act(obs), atol=1e-4)
