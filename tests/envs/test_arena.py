"""Arena: physics from fighter metadata, combat, episode ends, views, config errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from arenalab.envs.arena import ARENA_REWARDS, ArenaEnv, ArenaHeuristic, MultiAgentArenaEnv, spec
from arenalab.envs.arena.config import ArenaConfig
from arenalab.envs.arena.game import ArenaGame
from arenalab.envs.evaluation import play_episodes
from arenalab.experiments.environments import ARENA_OBS_SPEC
from ray.rllib.utils.pre_checks.env import check_multiagent_environments


def placed(config: dict, positions: list[list[float]]) -> ArenaGame:
    """A reset game with fighters moved to chosen positions."""
    game = ArenaGame(ArenaConfig.model_validate(config))
    game.reset(np.random.default_rng(0))
    game.positions = [list(p) for p in positions]
    return game


def test_speed_metadata_sets_top_speed() -> None:
    """Holding 'move right' ([1, 0, 0, 0], the seed's example) covers speed x 5 units/s."""
    fighters = [{"id": "slow", "speed": 1.0}, {"id": "fast", "speed": 2.0}]
    game = placed({"fighters": fighters}, [[-5.0, -3.0], [-5.0, 3.0]])
    for _ in range(20):  # one second
        game.step(np.array([[1.0, 0, 0, 0], [1.0, 0, 0, 0]]))
    assert [x for x, _ in game.positions] == pytest.approx([0.0, 5.0])
    assert game.velocities[1] == pytest.approx([10.0, 0.0])
    assert game.observation(1)[2] == pytest.approx(1.0)  # velocity / VELOCITY_SCALE


def test_size_metadata_sets_reach_and_blocking_softens_hits() -> None:
    """At 2.8 units only the size-2 fighter lands its hit; a blocked hit does a quarter."""
    fighters = [{"id": "big", "size": 2.0}, {"id": "small", "size": 1.0}]
    game = placed({"fighters": fighters}, [[0.0, 0.0], [2.8, 0.0]])
    rewards = game.step(np.array([[0, 0, 1.0, 0], [0, 0, 1.0, 0]]))
    assert game.health == [100.0, 90.0]
    assert rewards[0] == pytest.approx(ARENA_REWARDS.step + 10 * ARENA_REWARDS.damage_dealt)
    assert rewards[1] == pytest.approx(ARENA_REWARDS.step + 10 * ARENA_REWARDS.damage_taken)
    game.cooldown = [0, 0]
    game.step(np.array([[0, 0, 1.0, 0], [0, 0, 0, 1.0]]))
    assert game.health == [100.0, 87.5]


def test_a_kill_ends_the_fight_and_pays_kill_and_win() -> None:
    """The last hit on a 10-health fighter ends the episode for both views."""
    env = MultiAgentArenaEnv()
    env.reset(seed=0)
    env.game.positions = [[0.0, 0.0], [1.5, 0.0]]
    env.game.health[1] = 10.0
    _, rewards, terminateds, truncateds, infos = env.step(
        {"fighter_0": [0, 0, 1, 0], "fighter_1": [0, 0, 0, 0]}
    )
    assert terminateds == {"fighter_0": True, "fighter_1": True, "__all__": True}
    assert not truncateds["__all__"]
    assert infos["fighter_0"]["is_victory"] and not infos["fighter_1"]["is_victory"]
    r = ARENA_REWARDS
    assert rewards["fighter_0"] == pytest.approx(r.step + 10 * r.damage_dealt + r.kill + r.win)
    assert rewards["fighter_1"] == pytest.approx(r.step + 10 * r.damage_taken + r.death)


def flee(obs: np.ndarray) -> np.ndarray:
    """Run straight away from the nearest enemy, guard down: evasion."""
    away = -obs[spec.OWN_SIZE : spec.OWN_SIZE + 2]
    return np.array([*away / max(float(np.hypot(*away)), 1e-6), -1.0, -1.0], np.float32)


def test_a_time_out_by_evasion_scores_below_a_won_fight() -> None:
    """Fleeing to the time-out pays the time-out on top of the step costs; winning pays."""
    rewards = ARENA_REWARDS
    env = ArenaEnv({"opponent_policy": "random", "max_steps": 120})
    fled = play_episodes(env, flee, 5, 0)
    assert fled.mean_length == 120 and fled.win_rate == 0.0  # every battle timed out
    kept_away = 100 * rewards.keep_away  # at least 100 of the 120 steps out of reach
    assert fled.mean_return <= 120 * rewards.step + kept_away + rewards.timeout + 1e-9
    passive = ArenaEnv({"opponent_policy": lambda obs: np.zeros(4, np.float32)})
    won = play_episodes(passive, ArenaHeuristic(20.0), 5, 0)
    assert won.win_rate == 1.0 and won.mean_return > 10.0 > 0.0 > fled.mean_return
    multi = MultiAgentArenaEnv({"max_steps": 1})
    multi.reset(seed=0)
    _, paid, _, truncateds, _ = multi.step({a: np.zeros(4) for a in multi.agents})
    far = rewards.step + rewards.keep_away + rewards.timeout  # they start 14 units apart
    assert truncateds["__all__"] and set(paid.values()) == {far}


def test_heuristic_reads_v2_without_state_and_still_plays_v1() -> None:
    """On v2 a fresh heuristic each step fights like one instance; v1 gives the same fights."""
    v2 = ArenaEnv({"opponent_policy": "random", "max_steps": 500})
    remembered = play_episodes(v2, ArenaHeuristic(20.0), 3, 7)
    fresh = play_episodes(v2, lambda obs: ArenaHeuristic(20.0)(obs), 3, 7)
    v1 = ArenaEnv({"opponent_policy": "random", "max_steps": 500, "obs_spec": "arena-obs-v1"})
    counted = play_episodes(v1, ArenaHeuristic(20.0), 3, 7)
    assert remembered.returns == fresh.returns == counted.returns
    assert remembered.win_rate > 0.5


def test_fallen_fighters_leave_the_multi_agent_episode() -> None:
    """With four fighters, the first to fall is terminated alone and leaves ``agents``."""
    env = MultiAgentArenaEnv({"num_fighters": 4})
    env.reset(seed=0)
    env.game.positions = [[0.0, 0.0], [1.5, 0.0], [-8.0, 8.0], [8.0, -8.0]]
    env.game.health[1] = 5.0
    still = [0.0, 0.0, 0.0, 0.0]
    actions = {"fighter_0": [0, 0, 1, 0], "fighter_1": still, "fighter_2": still}
    _, _, terminateds, _, _ = env.step({**actions, "fighter_3": still})
    assert terminateds == {
        "fighter_0": False,
        "fighter_1": True,
        "fighter_2": False,
        "fighter_3": False,
        "__all__": False,
    }
    assert env.agents == ["fighter_0", "fighter_2", "fighter_3"]
    obs, *_ = env.step({"fighter_0": still, "fighter_2": still, "fighter_3": still})
    assert set(obs) == {"fighter_0", "fighter_2", "fighter_3"}
    assert obs["fighter_0"][spec.OWN_SIZE + 2 * spec.SLOT_SIZE :].sum() == 0  # 2 enemies left


def test_env_observations_equal_the_frame_function() -> None:
    """Every agent's observation is exactly what observation_from_frame gives for its frame."""
    fighters = [{"id": i, "size": 0.5 + 0.25 * i, "speed": 2.0 - 0.25 * i} for i in range(5)]
    env = MultiAgentArenaEnv({"fighters": fighters, "arena_size": 16.0})
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(150):
        for agent, vector in obs.items():
            seat = env.seats[agent]
            frame = env.game.frame(seat)
            expected = spec.observation_from_frame(
                frame, arena_size=16.0, size=fighters[seat]["size"], speed=fighters[seat]["speed"]
            )
            np.testing.assert_array_equal(vector, expected)
        actions = {a: rng.uniform(-1, 1, 4) for a in env.agents}
        obs, _, terminateds, truncateds, _ = env.step(actions)
        if terminateds["__all__"] or truncateds["__all__"]:
            break


def test_frame_function_orders_skips_and_zero_fills() -> None:
    """Nearest first, fallen enemies skipped, missing velocity is zero, empty slots zero."""
    frame = {
        "fighter_position": [0.0, 5.0],
        "fighter_health": 100.0,
        "fighter_velocity": [1.0, 0.5],
        "enemies_state": [
            {"id": 2, "pos": [10.0, 0.0], "health": 90},
            {"id": 3, "pos": [1.0, 5.0], "health": 40, "vel": [-2.0, 0.0]},
            {"id": 4, "pos": [0.0, 6.0], "health": 0},
        ],
    }
    obs = spec.observation_from_frame(frame, arena_size=20.0, version=spec.OBS_SPEC_V1)
    assert obs.shape == (49,) and obs.dtype == np.float32
    assert obs[:7].tolist() == pytest.approx([0.0, 0.5, 0.1, 0.05, 1.0, 1.0, 1.0])
    assert obs[7:13].tolist() == pytest.approx([0.1, 0.0, -0.2, 0.0, 0.4, 1.0])
    assert obs[13:19].tolist() == pytest.approx([1.0, -0.5, 0.0, 0.0, 0.9, 1.0])
    assert not obs[19:].any()
    with pytest.raises(ValueError, match="enemies_state\\[0\\]"):
        spec.observation_from_frame({**frame, "enemies_state": [{"pos": [1.0]}]}, arena_size=20)
    with pytest.raises(ValueError, match="obs_spec"):
        spec.observation_from_frame(frame, arena_size=20.0, version="arena-obs-v9")


def test_v2_frames_carry_cooldowns_guards_and_sizes() -> None:
    """v2 reads the optional frame fields; absent ones mean ready, unguarded and size 1."""
    frame = {
        "fighter_position": [0.0, 5.0],
        "fighter_health": 100.0,
        "fighter_velocity": [1.0, 0.5],
        "fighter_cooldown": 0.4,
        "fighter_blocking": True,
        "enemies_state": [
            {"id": 2, "pos": [10.0, 0.0], "health": 90},
            {
                "id": 3,
                "pos": [1.0, 5.0],
                "health": 40,
                "size": 1.5,
                "cooldown": 0.7,
                "blocking": True,
            },
        ],
    }
    obs = spec.observation_from_frame(frame, arena_size=20.0)
    assert obs.shape == (spec.OBS_SIZE,) == (86,)
    assert obs[:9].tolist() == pytest.approx([0.0, 0.5, 0.1, 0.05, 1.0, 1.0, 1.0, 0.4, 1.0])
    # 1 unit away, size 1.5: my reach (1.5) passes its body (0.75) by 1.25; its reach by 1.75
    near = [0.1, 0.0, 0.0, 0.0, 0.4, 1.0, 1.5, 0.7, 1.0, -0.625, -0.875]
    assert obs[9:20].tolist() == pytest.approx(near)
    far = [1.0, -0.5, 0.0, 0.0, 0.9, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0]  # gaps clipped at 1
    assert obs[20:31].tolist() == pytest.approx(far)
    assert not obs[31:].any()
    v1 = spec.observation_from_frame(frame, arena_size=20.0, version=spec.OBS_SPEC_V1)
    np.testing.assert_array_equal(v1, v1_part(obs))


def v1_part(obs: np.ndarray) -> np.ndarray:
    """The v1 vector inside a v2 one: each v2 block starts with v1's fields."""
    v1 = spec.LAYOUTS[spec.OBS_SPEC_V1]
    own = obs[: v1.own_size]
    slots = obs[spec.OWN_SIZE :].reshape(spec.MAX_ENEMIES, spec.SLOT_SIZE)[:, : v1.slot_size]
    return np.concatenate([own, slots.ravel()])


def test_v2_shows_what_decides_a_fight() -> None:
    """After a swing the attacker reads its cooldown running down; the target's guard shows."""
    fighters = [{"id": "a"}, {"id": "b", "size": 1.5}]
    game = placed({"fighters": fighters}, [[0.0, 0.0], [1.5, 0.0]])
    game.step(np.array([[0, 0, 1.0, 0], [0, 0, 0, 1.0]]))
    own, slot = slice(7, 9), slice(spec.OWN_SIZE + 6, spec.OWN_SIZE + 9)  # size, cooldown, guard
    a, b = game.observation(0), game.observation(1)
    assert a[own].tolist() == pytest.approx([0.9, 0.0]) and b[own].tolist() == [0.0, 1.0]
    assert a[slot].tolist() == pytest.approx([1.5, 0.0, 1.0])  # b: size 1.5, ready, guarding
    assert b[slot].tolist() == pytest.approx([1.0, 0.9, 0.0])
    readings = []
    for _ in range(10):
        readings.append(round(float(game.observation(0)[7]), 2))
        before = game.health[1]
        game.step(np.array([[0, 0, 1.0, 0], [0, 0, 0, 0]]))
        if game.health[1] < before:
            break
    assert readings == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]  # lands at 0


def test_v1_is_still_produced_when_asked() -> None:
    """obs_spec=arena-obs-v1 gives the 49 values of v1, the same fight as v2 otherwise."""
    old, new = ArenaEnv({"obs_spec": "arena-obs-v1"}), ArenaEnv()
    assert old.observation_space.shape == (49,) and new.observation_space.shape == (86,)
    obs_old, _ = old.reset(seed=4)
    obs_new, _ = new.reset(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(50):
        np.testing.assert_array_equal(obs_old, v1_part(obs_new))
        assert old.observation_space.contains(obs_old) and new.observation_space.contains(obs_new)
        action = rng.uniform(-1, 1, 4)
        obs_old, *_ = old.step(action)
        obs_new, *_ = new.step(action)
    multi = MultiAgentArenaEnv({"obs_spec": "arena-obs-v1"})
    assert multi.observation_spaces["fighter_0"].shape == (49,)


def test_spec_json_is_published_and_consistent() -> None:
    """The JSON spec round-trips and its names/offsets agree with the Box space."""
    published = json.loads(json.dumps(spec.spec_json()))
    assert published["version"] == "arena-obs-v2" and published["length"] == 86
    assert len(published["names"]) == len(set(published["names"])) == 86
    assert published["names"][7:9] == ["self.cooldown", "self.blocking"]
    assert published["names"][spec.OWN_SIZE] == "enemy0.rel_x"
    v2_slot = ["size", "cooldown", "blocking", "reach_gap", "threat_gap"]
    assert [f["name"] for f in published["enemy_slots"]["fields"]][-5:] == v2_slot
    assert [f["offset"] for f in published["own"]] == list(range(9))
    assert ArenaEnv().observation_space.shape == (published["length"],)
    old = json.loads(json.dumps(spec.spec_json("arena-obs-v1")))
    assert old["version"] == "arena-obs-v1" and old["length"] == len(old["names"]) == 49
    v2_only = {"self.cooldown", "self.blocking"} | {
        f"enemy{k}.{name}" for k in range(7) for name in v2_slot
    }
    assert old["names"] == [name for name in published["names"] if name not in v2_only]
    assert ARENA_OBS_SPEC == spec.OBS_SPEC_VERSION  # what new training declares


def test_single_agent_view_same_seed_same_trajectory() -> None:
    """Seeded resets give identical trajectories, random opponents included."""

    def run(seed: int) -> list:
        env = ArenaEnv({"num_fighters": 3, "opponent_policy": "random"})
        obs, _ = env.reset(seed=seed)
        rng, out = np.random.default_rng(seed), [obs.tobytes()]
        for _ in range(100):
            obs, reward, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 4))
            out.append((obs.tobytes(), reward, terminated, truncated))
            if terminated or truncated:
                break
        return out

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_single_agent_view_ends_when_the_learner_falls_or_time_runs_out() -> None:
    """A passive learner dies to a heuristic opponent; a tiny max_steps truncates."""
    env = ArenaEnv({"opponent_policy": "heuristic", "learner": "fighter_1"})
    env.reset(seed=0)
    for _ in range(600):
        _, _, terminated, truncated, info = env.step(np.zeros(4, dtype=np.float32))
        if terminated or truncated:
            break
    assert terminated and not info["is_victory"] and info["health"] == 0.0
    short = ArenaEnv(max_steps=3)
    short.reset(seed=0)
    assert [short.step(np.zeros(4))[3] for _ in range(3)] == [False, False, True]


def test_callable_opponent_gets_arena_observations() -> None:
    """A callable opponent (e.g. a frozen policy) is called with the env's vectors (v2)."""
    seen = []

    def frozen(obs: np.ndarray) -> np.ndarray:
        seen.append(obs.shape)
        return np.zeros(4, dtype=np.float32)

    env = ArenaEnv({"num_fighters": 4, "opponent_policy": frozen})
    env.reset(seed=0)
    env.step(np.zeros(4))
    assert seen == [(86,)] * 3


def test_multi_agent_passes_rllib_check_and_a_random_rollout() -> None:
    """RLlib's checker passes and a random 8-fighter episode keeps every dict consistent."""
    env = MultiAgentArenaEnv({"num_fighters": 8, "max_steps": 200})
    check_multiagent_environments(env)
    obs, _ = env.reset(seed=1)
    for _ in range(200):
        actions = {a: env.action_spaces[a].sample() for a in env.agents}
        obs, rewards, terminateds, truncateds, _ = env.step(actions)
        assert set(obs) == set(rewards) == set(actions)
        assert all(env.observation_spaces[a].contains(o) for a, o in obs.items())
        if terminateds["__all__"] or truncateds["__all__"]:
            break
    assert terminateds["__all__"] or truncateds["__all__"]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"num_fighters": 1}, "num_fighters"),
        ({"num_fighters": 9}, "num_fighters"),
        ({"num_fighters": 3, "fighters": [{"id": "a"}, {"id": "b"}]}, "fighters"),
        ({"fighters": [{"id": "a"}, {"id": "a"}]}, "fighters"),
        ({"fighters": [{"id": "a", "size": 5.0}, {"id": "b"}]}, "size"),
        ({"learner": "nobody"}, "learner"),
        ({"arena_size": -1.0}, "arena_size"),
        ({"opponent_policy": "smart"}, "opponent_policy"),
        ({"arena": 20}, "arena"),
    ],
)
def test_bad_config_names_the_parameter(config: dict, field: str) -> None:
    """Bad values and unknown keys fail at construction with the parameter's name."""
    with pytest.raises(ValueError, match=field):
        ArenaEnv(config)


@pytest.mark.parametrize(("scale", "stats"), [(10, True), (8, False)])
def test_rgb_and_ansi_rendering(scale: int, stats: bool) -> None:
    """Images have the documented shape; ansi has the border and one line per fighter."""
    config = {"num_fighters": 3, "arena_size": 12.0, "render_scale": scale, "show_stats": stats}
    env = ArenaEnv({**config, "highlight_path": True}, render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(5):
        env.step(env.action_space.sample())
    image = env.render()
    top = 7 * max(1, scale // 8) if stats else 0
    assert image.shape == (top + 12 * scale, 12 * scale, 3) and image.dtype == np.uint8
    text = ArenaEnv(config, render_mode="ansi")
    text.reset(seed=0)
    lines = text.render().splitlines()
    assert len(lines) == 22 + (4 if stats else 0)
    assert all(str(seat) in text.render() for seat in range(3))


def test_state_is_json_with_seed_frame_fields() -> None:
    """state() round-trips through JSON; the frame view has the seed's field names."""
    env = ArenaEnv({"fighters": [{"id": 7}, {"id": 9, "size": 1.5}]})
    env.reset(seed=0)
    env.step(np.array([1.0, 0.0, 0.0, 0.0]))
    state = json.loads(json.dumps(env.state()))
    assert [f["id"] for f in state["fighters"]] == ["7", "9"]
    assert state["fighters"][1]["size"] == 1.5 and state["step"] == 1
    frame = json.loads(json.dumps(env.frame()))
    assert set(frame) >= {"fighter_position", "fighter_velocity", "fighter_health", "enemies_state"}
    assert frame["enemies_state"][0]["id"] == "9"
