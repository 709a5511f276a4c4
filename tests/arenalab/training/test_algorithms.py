"""Every supported algorithm and shipped file builds and runs one iteration on real Ray."""

from pathlib import Path

import pytest
from arenalab.experiments import build_config, build_experiment, load_experiment
from arenalab.policies import Policy
from arenalab.training.evaluation import evaluable, score_checkpoint

TINY = {
    "training": {"batch_size": 32, "buffer_size": 256},
    "intelligence": {"learning_starts": 32, "train_freq": 4},
    "resources": {"num_env_runners": 0},
    "run": {"hidden_sizes": [16]},
}
PACMAN = {"grid_size": 5, "num_ghosts": 1, "power_pellets": 0, "max_steps": 50}
ARENA = {"num_fighters": 2, "arena_size": 8.0, "max_steps": 50}
CASES = [
    ("PPO", "pacman", PACMAN),
    ("APPO", "pacman", PACMAN),
    ("IMPALA", "pacman", PACMAN),
    ("DQN", "pacman", PACMAN),
    ("DQN", "multiagent-pacman", PACMAN),
    ("SAC", "arena", ARENA),
    ("TQC", "arena", ARENA),
    ("PPO", "multiagent-pacman", PACMAN),
    ("PPO", "arena", {**ARENA, "num_fighters": 3, "fighters": [1, 2]}),
    ("PPO", "arena", {**ARENA, "opponents": "league"}),
]


@pytest.mark.parametrize(
    ("algorithm", "environment", "game"),
    CASES,
    ids=[f"{a}-{e}-{len(g.get('fighters', []))}{g.get('opponents', '')}" for a, e, g in CASES],
)
def test_algorithm_runs_one_iteration(ray_head, tmp_path, algorithm, environment, game):
    """Build the AlgorithmConfig from the experiment, train once; the result can be served."""
    experiment = build_experiment(
        {**TINY, "algorithm": algorithm, "environment": environment, "game": game}
    )
    built = build_config(experiment)
    built.config.reporting(min_time_s_per_iteration=0, min_sample_timesteps_per_iteration=64)
    algo = built.config.build_algo()
    try:
        result = algo.train()
        checkpoint = algo.save_to_path(str(tmp_path / "checkpoint"))
    finally:
        algo.stop()
    assert result["num_env_steps_sampled_lifetime"] > 0
    trained = set(built.spec.policies_to_train)
    assert trained <= set(result["learners"]), result["learners"].keys()
    for module_id in trained:  # every trained module is servable and scores in its env
        policy = Policy.from_checkpoint(checkpoint, module_id)
        observation = policy.observation_space.sample()
        assert policy.action_space.contains(policy.act(observation)[0])
        if evaluable(module_id):
            score = score_checkpoint(experiment, checkpoint, module_id, 1)
            assert score.protocol.episodes == 1 and score.results["model"]


SHIPPED = sorted((Path(__file__).parents[3] / "experiments").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_shipped_file_trains_an_iteration(ray_head, path: Path) -> None:
    """Each file in experiments/ trains with its own settings (schedules, batch sizes)."""
    built = build_config(load_experiment(path), env_runners=0)
    algo = built.config.build_algo()
    try:
        result = algo.train()
    finally:
        algo.stop()
    assert result["num_env_steps_sampled_lifetime"] > 0


def test_one_builder_adds_the_league_refresh_for_train_and_sweeps() -> None:
    """build_config (used by train, sweep trials and serve) registers the league's refresh."""
    from arenalab.training.league import LeagueRefresh

    league = build_experiment({"environment": "arena", "game": {"opponents": "league"}})
    assert build_config(league).config.callbacks_class is LeagueRefresh
    plain = build_experiment({"environment": "arena"})
    assert build_config(plain).config.callbacks_class is not LeagueRefresh
