"""The scoring protocol acts exactly as ``/act`` serves; the league rates a trained model."""

from __future__ import annotations

import httpx
import numpy as np
from arenalab.registry import Registry
from arenalab.serving.deployment import IngressArgs, build_app
from arenalab.serving.inference.protocol import PolicyArgs
from arenalab.settings import load_settings
from arenalab.training.evaluation import EVAL_SEED, evaluation_setup, greedy_actor, load_policy
from arenalab.training.evaluation import make_env as evaluation_env
from arenalab.training.tournament import run_league

from tests.conftest import free_port
from tests.policy_models import TINY, train_registered

APP = "arenalab-scoring-test"


def test_evaluation_actions_equal_the_served_actions(ray_head, tmp_path) -> None:
    """A fight of the evaluation, replayed through real Serve over HTTP: identical actions."""
    from arenalab.experiments import build_experiment
    from ray import serve
    from ray.serve.schema import LoggingConfig

    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    registry = Registry.from_settings(settings)
    fighter = registry.create_fighter("f.glb").id
    model = registry.get_model(train_registered(settings, fighter))
    experiment = build_experiment(
        {"environment": "arena", "game": {"fighters": [fighter], "max_steps": 40}, **TINY}
    )
    protocol, config = evaluation_setup(experiment, 1)
    actor = greedy_actor(load_policy(model.checkpoint_uri, model.module_id, settings))
    env = evaluation_env(protocol, config, "heuristic")
    observations, actions = [], []
    obs, _ = env.reset(seed=EVAL_SEED)
    for _ in range(20):
        action = actor(obs)
        observations.append(obs.tolist())
        actions.append(np.asarray(action).tolist())
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break

    port = free_port()
    serve.start(
        http_options={"host": "127.0.0.1", "port": port},
        logging_config=LoggingConfig(enable_access_log=False),
    )
    args = IngressArgs(
        settings={"data_dir": str(data_dir)},
        num_cpus=0.25,
        policy=PolicyArgs(num_cpus=0.25, max_models_per_replica=2),
    )
    serve.run(build_app(args), name=APP, route_prefix="/")
    try:
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/policies/{model.id}/act",
            json={"observations": observations},
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        np.testing.assert_allclose(answer.json()["actions"], actions, atol=1e-6)
    finally:
        serve.delete(APP)
        serve.shutdown()

    table = run_league(registry, fighter_id=fighter, fights=3, max_steps=40, settings=settings)
    assert {s.name for s in table.standings} == {f"model {model.id}", "random", "heuristic"}
    row = registry.get_model(model.id)
    assert "league" in row.protocol and row.eval_episodes == 3
    assert row.rating == row.rating_mu - 3 * row.rating_sigma
    assert (
        sum(row.metrics["evaluation"]["league"]["record"][k] for k in ("wins", "draws", "losses"))
        == 6
    )
