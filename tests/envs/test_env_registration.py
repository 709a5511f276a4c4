"""Every registered env passes Gymnasium's checker; the catalogue and names resolve."""

from __future__ import annotations

import warnings

import arenalab.envs as envs
import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

GYM_IDS = [name for name, entry in envs.CATALOGUE.items() if not entry.multi_agent]


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_registered_env_passes_check_env(env_id: str) -> None:
    """gymnasium.make works by id and check_env (render modes included) warns about nothing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = gym.make(env_id, render_mode="rgb_array")
        check_env(env.unwrapped)
        env.close()
    assert [str(w.message) for w in caught] == []


def test_gym_make_passes_keyword_config_and_validates_it() -> None:
    """Keyword arguments to gym.make become the env's config, errors included."""
    env = gym.make("arenalab/PacMan-v0", grid_size=13, num_ghosts=3)
    assert env.unwrapped.config.grid_size == 13
    assert env.observation_space.shape == (7 * 13 * 13 + 4,)
    with pytest.raises(ValueError, match="pellet_density"):
        gym.make("arenalab/PacMan-v0", pellet_density=2.0)
    arena = gym.make("arenalab/Arena-v0", num_fighters=6)
    assert arena.observation_space.shape == (86,)  # arena-obs-v2


def test_catalogue_lists_every_env_and_makes_it() -> None:
    """The catalogue's JSON form lists four envs, and make_env builds each by name."""
    listed = [entry.to_dict() for entry in envs.CATALOGUE.values()]
    assert {e["name"] for e in listed} == {
        "arenalab/PacMan-v0",
        "arenalab/MultiAgentPacMan-v0",
        "arenalab/Arena-v0",
        "arenalab/MultiAgentArena-v0",
    }
    for entry in envs.CATALOGUE.values():
        env = envs.make_env(entry.name, {"max_steps": 10})
        assert type(env) is entry.load()
        assert hasattr(env, "possible_agents") == entry.multi_agent
    with pytest.raises(ValueError, match="arenalab/PacMan-v0"):
        envs.make_env("PacMan")


def test_importing_the_envs_does_not_import_ray() -> None:
    """``import arenalab.envs`` stays light: Ray is imported only by register_rllib_envs."""
    import subprocess
    import sys

    code = "import sys, arenalab.envs, gymnasium as g; g.make('arenalab/Arena-v0'); "
    code += "print('ray' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("name", [n for n, entry in envs.CATALOGUE.items() if entry.multi_agent])
def test_multi_agent_envs_are_deterministic_under_a_seed(name: str) -> None:
    """Same seed and same actions give the same multi-agent trajectory; another seed differs."""

    def run(seed: int) -> list:
        env = envs.make_env(name, {"max_steps": 80})
        obs, _ = env.reset(seed=seed)
        for offset, space in enumerate(env.action_spaces.values()):
            space.seed(offset)
        out = [{a: o.tobytes() for a, o in obs.items()}]
        while True:
            actions = {a: env.action_spaces[a].sample() for a in env.agents}
            obs, rewards, terminateds, truncateds, _ = env.step(actions)
            out.append(({a: o.tobytes() for a, o in obs.items()}, rewards, terminateds))
            if terminateds["__all__"] or truncateds["__all__"]:
                return out

    assert run(3) == run(3)
    assert run(3) != run(4)
