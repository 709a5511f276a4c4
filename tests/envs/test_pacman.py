"""Pac-Man: maze, rules, episode ends, determinism, config errors, multi-agent view."""

from __future__ import annotations

import json
from collections import deque

import numpy as np
import pytest
from arenalab.envs.pacman import (
    PACMAN_REWARDS,
    MultiAgentPacManEnv,
    PacManConfig,
    PacManEnv,
    PacManObsLayout,
)
from arenalab.envs.pacman.heuristic import PacManHeuristic
from arenalab.envs.pacman.maze import Maze
from arenalab.envs.pacman.views import features
from ray.rllib.utils.pre_checks.env import check_multiagent_environments


def rollout(env: PacManEnv, seed: int, steps: int = 200) -> list[tuple]:
    """Random-action trajectory with actions drawn from their own seeded generator."""
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    trajectory = [obs.tobytes()]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(int(rng.integers(5)))
        trajectory.append((obs.tobytes(), reward, terminated, truncated))
        if terminated or truncated:
            break
    return trajectory


@pytest.mark.parametrize("size", [5, 6, 10, 17, 30])
def test_mazes_are_connected_and_have_no_dead_ends(size: int) -> None:
    """Every open cell is reachable from every other, and each has at least two exits."""
    for seed in range(5):
        maze = Maze.generate(size, np.random.default_rng(seed))
        start = maze.open_cells[0]
        seen, queue = {start}, deque([start])
        while queue:
            for _, nxt in maze.exits[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        assert seen == set(maze.open_cells)
        assert all(len(maze.exits[c]) >= 2 for c in maze.open_cells)
        assert maze.walls[0].all() and maze.walls[-1].all()
        assert maze.walls[:, 0].all() and maze.walls[:, -1].all()


def test_same_seed_same_trajectory_and_different_seed_different_maze() -> None:
    """Seeding reset fixes maze, placements, ghosts' random choices and so the trajectory."""
    env_a, env_b = PacManEnv(), PacManEnv()
    assert rollout(env_a, 7) == rollout(env_b, 7)
    assert rollout(env_a, 7) != rollout(env_a, 8)


def test_observation_layout_matches_the_game() -> None:
    """Planes hold walls, Pac-Man and ghosts where the game has them; scalars start sane."""
    env = PacManEnv(grid_size=9, num_ghosts=2)
    obs, info = env.reset(seed=3)
    layout, game = PacManObsLayout(9), env.game
    assert obs.shape == (layout.size,) == (7 * 81 + 4,)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    walls = obs[: layout.cells].reshape(9, 9)
    assert (walls.astype(bool) == game.maze.walls).all()
    assert obs[layout.plane("pacman") + game.pacman] == 1.0
    assert obs[layout.plane("self") + game.pacman] == 1.0
    assert obs[layout.plane("ghosts") : layout.plane("frightened_ghosts")].sum() == 2
    assert obs[layout.plane("pellets") : layout.plane("pacman")].sum() == info["pellets_left"]
    assert obs[layout.scalars :].tolist() == [1.0, 0.0, 0.0, 0.0]


def test_eating_a_pellet_pays_the_table_reward() -> None:
    """Walking onto a pellet removes it and pays pellet + step reward."""
    env = PacManEnv(num_ghosts=0, pellet_density=1.0, power_pellets=0)
    env.reset(seed=0)
    game = env.game
    action, cell = game.maze.exits[game.pacman][0]
    assert game.pellets[cell]
    _, reward, *_ = env.step(action)
    assert reward == pytest.approx(PACMAN_REWARDS.step + PACMAN_REWARDS.pellet)
    assert not game.pellets[cell]


def test_clearing_the_pellets_terminates_with_victory() -> None:
    """Without ghosts the heuristic eats everything: terminated, is_victory, clear bonus."""
    env = PacManEnv(num_ghosts=0, power_pellets=1, pellet_density=0.5, max_steps=1000)
    obs, _ = env.reset(seed=1)
    policy = PacManHeuristic()
    for _ in range(1000):
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        if terminated or truncated:
            break
    assert terminated and not truncated
    assert info["is_victory"] and info["pellets_left"] == 0
    assert reward >= PACMAN_REWARDS.clear


def test_losing_every_life_terminates_without_victory() -> None:
    """Standing still in a small maze with ghosts loses all lives, one death at a time."""
    env = PacManEnv(grid_size=7, num_ghosts=2, power_pellets=0, lives=2, max_steps=2000)
    env.reset(seed=0)
    lives_seen = []
    for _ in range(2000):
        _, reward, terminated, truncated, info = env.step(0)
        lives_seen.append(info["lives"])
        if terminated or truncated:
            break
    assert terminated and not truncated and not info["is_victory"]
    assert info["lives"] == 0 and 1 in lives_seen
    assert reward <= PACMAN_REWARDS.death


def test_truncation_at_max_steps() -> None:
    """Standing still with no ghosts ends by truncation at exactly max_steps."""
    env = PacManEnv(num_ghosts=0, max_steps=5)
    env.reset(seed=0)
    results = [env.step(0) for _ in range(5)]
    assert [r[3] for r in results] == [False] * 4 + [True]
    assert not any(r[2] for r in results)


def test_power_pellet_frightens_ghosts_and_ghosts_can_be_eaten() -> None:
    """A power pellet frightens ghosts; meeting one pays ghost_eaten and sends it home."""
    env = PacManEnv(grid_size=7, num_ghosts=1, power_pellets=1)
    env.reset(seed=2)
    game = env.game
    power = game.pellets.index(2)
    game.pacman = next(nxt for _, nxt in game.maze.exits[power])
    action = next(a for a, nxt in game.maze.exits[game.pacman] if nxt == power)
    env.step(action)
    assert game.frightened == [True] and game.frightened_left > 0
    assert env.state()["ghosts"][0]["mode"] == "frightened"
    game.ghosts[0] = game.pacman  # a frightened ghost on Pac-Man's cell
    reward = game._meet_ghosts()
    assert reward == PACMAN_REWARDS.ghost_eaten and game.eaten == [0]
    assert game.ghosts[0] == game.ghost_starts[0] and game.frightened == [False]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"grid_size": 6, "num_ghosts": 4}, "num_ghosts"),
        ({"grid_size": 5, "power_pellets": 3}, "power_pellets"),
        ({"pellet_density": 1.5}, "pellet_density"),
        ({"pellet_density": -0.1}, "pellet_density"),
        ({"lives": -1}, "lives"),
        ({"grid_size": 3}, "grid_size"),
        ({"num_ghost": 2}, "num_ghost"),
        ({"fps": 0}, "fps"),
    ],
)
def test_bad_config_names_the_parameter(config: dict, field: str) -> None:
    """Bad values and unknown keys fail at construction with the parameter's name."""
    with pytest.raises(ValueError, match=field):
        PacManEnv(config)


def test_config_accepts_env_config_kwargs_and_seed_flags() -> None:
    """An RLlib-style dict, keyword overrides and 0/1 flags all land in one config."""
    env = PacManEnv({"grid_size": 12, "show_grid": 0, "fps": 30}, num_ghosts=3)
    assert env.config == PacManConfig(grid_size=12, num_ghosts=3, show_grid=False, fps=30)
    assert env.metadata["render_fps"] == 30
    with pytest.raises(ValueError, match="render_mode"):
        PacManEnv(render_mode="human")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(5)


@pytest.mark.parametrize(("scale", "stats"), [(8, True), (16, False)])
def test_rgb_and_ansi_rendering(scale: int, stats: bool) -> None:
    """Images have the documented shape; ansi shows the maze and the stats line."""
    config = {"grid_size": 9, "render_scale": scale, "show_stats": stats, "highlight_path": True}
    env = PacManEnv(config, render_mode="rgb_array")
    env.reset(seed=0)
    image = env.render()
    top = 7 * max(1, scale // 8) if stats else 0
    assert image.shape == (top + 9 * scale, 9 * scale, 3) and image.dtype == np.uint8
    assert (image == (255, 255, 0)).all(axis=-1).any()  # Pac-Man is drawn
    text = PacManEnv(config, render_mode="ansi")
    text.reset(seed=0)
    rows = text.render().splitlines()
    assert len(rows) == 9 + stats and rows[-1] == "#" * 9
    assert "C" in text.render() and ("score" in rows[0]) == stats
    assert PacManEnv().render() is None


def test_state_is_json_and_matches_the_game() -> None:
    """state() round-trips through JSON and reports positions and counts."""
    env = PacManEnv(num_ghosts=2)
    env.reset(seed=4)
    env.step(1)
    state = json.loads(json.dumps(env.state()))
    game = env.game
    assert state["pacman"]["position"] == [game.pacman // 10, game.pacman % 10]
    assert len(state["ghosts"]) == 2 and state["pellets_left"] == game.remaining
    assert len(state["pellets"]) + len(state["power_pellets"]) == game.remaining
    assert len(state["walls"]) == 10 and state["step"] == 1


def test_multi_agent_passes_rllib_check_and_a_random_rollout() -> None:
    """Spaces per agent, RLlib's checker, and a full random episode with sane dicts."""
    env = MultiAgentPacManEnv({"num_ghosts": 3, "grid_size": 11, "max_steps": 300})
    assert env.possible_agents == ["pacman", "ghost_0", "ghost_1", "ghost_2"]
    check_multiagent_environments(env)
    obs, _ = env.reset(seed=0)
    returns = dict.fromkeys(env.possible_agents, 0.0)
    for _ in range(300):
        actions = {a: env.action_spaces[a].sample() for a in env.agents}
        obs, rewards, terminateds, truncateds, _ = env.step(actions)
        for agent, value in obs.items():
            assert env.observation_spaces[agent].contains(value)
        for agent, reward in rewards.items():
            returns[agent] += reward
        if terminateds["__all__"] or truncateds["__all__"]:
            break
    assert terminateds["__all__"] or truncateds["__all__"]
    assert obs["ghost_1"][-1] == 1.0 and obs["pacman"][-1] == 0.0  # is_ghost scalar
    with pytest.raises(ValueError, match="ghost_0"):
        env.reset(seed=0)
        env.step({"pacman": 0})


def test_multi_agent_ghosts_are_rewarded_for_catching() -> None:
    """Ghosts that walk into a still Pac-Man earn the team reward; Pac-Man pays the death."""
    env = MultiAgentPacManEnv({"grid_size": 7, "num_ghosts": 1, "power_pellets": 0})
    env.reset(seed=0)
    game = env.game
    for _ in range(100):
        dist = game.maze.distances(game.pacman)
        ghost_move = min(game.maze.exits[game.ghosts[0]], key=lambda e: dist[e[1]])[0]
        _, rewards, *_ = env.step({"pacman": 0, "ghost_0": ghost_move})
        if game.caught_by == 0:
            break
    assert rewards["ghost_0"] == 10.0
    assert rewards["pacman"] == pytest.approx(PACMAN_REWARDS.step + PACMAN_REWARDS.death)


def test_multi_agent_needs_a_ghost() -> None:
    """Zero ghosts leaves nobody to play against."""
    with pytest.raises(ValueError, match="num_ghosts"):
        MultiAgentPacManEnv(num_ghosts=0)


@pytest.mark.parametrize(
    ("option", "shape"),
    [
        ("planes", (7 * 100 + 4,)),
        ("egocentric", (5 * 19 * 19 + 3,)),
        ("image", (19, 19, 8)),
        ("features", (43,)),
    ],
)
def test_every_observation_option_has_its_space_and_stays_in_it(option: str, shape: tuple) -> None:
    """Each ``observation`` option publishes its shape, and every observation lies in the Box."""
    env = PacManEnv(observation=option)
    assert env.observation_space.shape == shape
    for obs, *_ in rollout_observations(env, seed=3):
        assert env.observation_space.contains(obs)


def rollout_observations(env: PacManEnv, seed: int, steps: int = 150) -> list[tuple]:
    """Observations of a seeded random rollout (with the rewards and end flags)."""
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    out = [(obs,)]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(int(rng.integers(5)))
        out.append((obs, reward, terminated, truncated))
        if terminated or truncated:
            break
    return out


def test_egocentric_window_centres_pacman_and_walls_the_outside() -> None:
    """Pac-Man sits at the window's centre; the maze is shifted around him, walls outside."""
    env = PacManEnv(observation="image", grid_size=10)
    obs, _ = env.reset(seed=5)
    game, centre = env.game, 9
    row, col = divmod(game.pacman, 10)
    walls = obs[:, :, 0]
    assert walls[centre, centre] == 0.0
    np.testing.assert_array_equal(
        walls[centre - row : centre - row + 10, centre - col : centre - col + 10], game.maze.walls
    )
    assert walls.sum() == game.maze.walls.sum() + (19 * 19 - 100)
    for ghost in game.ghosts:
        g_row, g_col = divmod(ghost, 10)
        assert obs[centre + g_row - row, centre + g_col - col, 3] >= 1.0
    flat = PacManEnv(observation="egocentric", grid_size=10).reset(seed=5)[0]
    np.testing.assert_array_equal(
        flat[: 5 * 361].reshape(5, 19, 19), np.moveaxis(obs[:, :, :5], -1, 0)
    )
    assert flat[-3] == obs[0, 0, 5] == 1.0  # lives left


def test_features_measure_moves_from_the_maze() -> None:
    """Walls close moves; food and ghost figures are shortest paths from the next cell."""
    env = PacManEnv(observation="features", grid_size=10)
    obs, _ = env.reset(seed=7)
    game = env.game
    per_move = obs[:32].reshape(4, 8)
    scale = len(game.maze.open_cells)
    for move in range(4):
        cell = game.maze.moves[move + 1][game.pacman]
        if cell == game.pacman:
            np.testing.assert_array_equal(per_move[move], [0, 1, 1, 0, 0, 0, 0, 0])
            continue
        dist = game.maze.distances(cell)
        food = min(dist[c] for c, p in enumerate(game.pellets) if p)
        ghost = min(dist[g] for g in game.ghosts)
        assert per_move[move, 0] == 1.0
        assert per_move[move, 1] == pytest.approx((food + 1) / scale)
        assert per_move[move, 4] == pytest.approx(1 / (2 + ghost))
        assert per_move[move, 5] == float(ghost <= 1)
    assert per_move[:, 3].sum() >= 1  # some move starts a shortest safe path to food
    assert obs[32] == 1.0  # all lives left


def test_features_flag_the_move_next_to_a_ghost() -> None:
    """A ghost one step from a move's cell sets that move's danger flag."""
    env = PacManEnv(observation="features", grid_size=10)
    env.reset(seed=7)
    game = env.game
    action, cell = game.maze.exits[game.pacman][0]
    game.ghosts[0] = cell
    game.frightened[0] = False
    flags = features(game)[:32].reshape(4, 8)[:, 5]
    assert flags[action - 1] == 1.0


@pytest.mark.parametrize("option", ["egocentric", "image", "features"])
def test_heuristic_plays_the_same_games_on_every_view(option: str) -> None:
    """The scripted baseline scores identically whatever the learner's observation is."""
    from arenalab.envs.evaluation import play_episodes

    def score(env: PacManEnv) -> tuple:
        return play_episodes(env, env.heuristic_policy(), 5, 10000).returns

    assert score(PacManEnv(observation=option)) == score(PacManEnv())


def test_multi_agent_observes_planes_only() -> None:
    """The multi-agent env refuses the learner-only views, naming the option."""
    with pytest.raises(ValueError, match="observation"):
        MultiAgentPacManEnv(observation="features")
