"""PPO learns: on a small Pac-Man maze it clearly beats the random policy."""

import pytest
from arenalab.experiments import build_experiment
from arenalab.training import train
from arenalab.training.evaluation import evaluate_baseline

MARGIN = 10.0
"""Mean-return points over random; measured 39.4 vs 9.3 after 15k steps (seed 0)."""


@pytest.mark.slow
def test_ppo_beats_random_on_a_small_maze(ray_head, settings):
    """Ppo beats random on a small maze."""
    experiment = build_experiment(
        {
            "name": "learns",
            "game": {"grid_size": 7, "num_ghosts": 0, "power_pellets": 1, "max_steps": 100},
            "training": {"learning_rate": 1e-3, "batch_size": 128, "buffer_size": 1000},
            "intelligence": {"exploration_rate": 0.01},
            "resources": {"num_env_runners": 1},
            "run": {"evaluation_episodes": 20, "checkpoint_every": 100},
        }
    )
    result = train(experiment, iterations=15)
    [model] = result.models
    random = evaluate_baseline(experiment, "random", "default_policy", 20, experiment.seed)
    assert model.eval_return > random.mean_return + MARGIN, (model, random)
