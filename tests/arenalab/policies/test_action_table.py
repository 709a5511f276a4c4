"""A discrete-table arena policy answers the game's 4-vector: in Policy, evaluation and ONNX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from arenalab.envs.arena.actions import ARENA_ACTIONS, ArenaActions, controls_space
from arenalab.experiments import build_config, build_experiment
from arenalab.policies import Policy, export_onnx
from arenalab.training.evaluation import arena_protocol, fight_config, greedy_actor, play

DISCRETE_FIGHTER = {
    "environment": "arena",
    "game": {"arena_size": 10.0, "max_steps": 40, "action_set": "discrete"},
    "training": {"batch_size": 64, "buffer_size": 128},
    "resources": {"num_env_runners": 0},
    "run": {"hidden_sizes": [16, 16]},
    "rllib": {"num_epochs": 1},
}


@pytest.fixture(scope="module")
def checkpoint(ray_head, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PPO iteration of a fighter that acts from the discrete table."""
    algo = build_config(build_experiment(DISCRETE_FIGHTER)).config.build_algo()
    try:
        algo.train()
        return Path(algo.save_to_path(str(tmp_path_factory.mktemp("discrete") / "ckpt")))
    finally:
        algo.stop()


@pytest.fixture(scope="module")
def policy(checkpoint: Path) -> Policy:
    """The checkpoint loaded the way the server loads it."""
    return Policy.from_checkpoint(checkpoint)


@pytest.fixture(scope="module")
def observations(policy: Policy) -> np.ndarray:
    """Seeded observations from the module's observation space."""
    space = policy.observation_space
    space.seed(2)
    return np.stack([space.sample() for _ in range(32)]).astype(np.float32)


def test_served_actions_are_the_argmax_rows_of_the_table(policy, observations) -> None:
    """The module picks an index; what Policy.act answers is that index's 4-vector."""
    assert isinstance(policy.module.action_space, ArenaActions)
    assert policy.action_space == controls_space()
    actions = policy.act(observations)
    assert actions.shape == (32, 4)
    argmax = policy.distribution_inputs(observations).argmax(dim=-1).numpy()
    np.testing.assert_array_equal(actions, ARENA_ACTIONS[argmax])
    sampled = policy.act(observations, deterministic=False)
    assert all(any((row == ARENA_ACTIONS).all(axis=1)) for row in sampled)


def test_evaluation_plays_the_served_vectors(policy, observations) -> None:
    """The scoring protocol's actor answers what /act answers and fights in the game's arena."""
    act = greedy_actor(policy)
    np.testing.assert_array_equal(act(observations[0]), policy.act(observations[:1])[0])
    config = fight_config(10.0, 40)
    result, record = play(arena_protocol(config, 2), config, act, "heuristic")
    assert len(result.returns) == len(record.outcomes) == 2


def test_onnx_graph_gathers_the_table_row(policy, observations, tmp_path) -> None:
    """The browser's file returns 4-vectors (argmax, then a gather from the table) like Policy."""
    export = export_onnx(policy, tmp_path / "fighter.onnx")
    assert export.max_abs_diff < 1e-4
    graph = onnx.load(str(export.path)).graph
    ops = {node.op_type for node in graph.node}
    assert "ArgMax" in ops and any(op.startswith("Gather") for op in ops), ops
    session = onnxruntime.InferenceSession(str(export.path), providers=["CPUExecutionProvider"])
    action, _ = session.run(None, {"obs": observations})
    assert action.shape == (32, 4)
    np.testing.assert_allclose(action, policy.act(observations), atol=1e-6)
