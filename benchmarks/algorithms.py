"""A2C and TD3: arenalab's RLlib algorithms vs Stable-Baselines3's, same task and budget.

A2C trains on CartPole-v1 and TD3 on Pendulum-v1, each side with the same
hyperparameters (below, in SB3's names), network sizes and env steps. Measured per
side: env steps per second over the training loop (setup excluded) and the final
return, i.e. the mean over ``EVAL_EPISODES`` seeded episodes (seeds 10000..) of the
greedy policy (arenalab's through the served ``Policy``, SB3's ``deterministic=True``).
Writes ``benchmarks/results/algorithms.json`` with the ratios (arenalab / SB3; for
Pendulum, whose returns are negative, the return ratio is SB3's over arenalab's, so
>= 1 still means "at least as good").

Known differences that the same hyperparameters cannot remove: RLlib's and SB3's
weight initialisations differ (SB3: orthogonal), and arenalab's TD3 syncs the
sampling actor every 32 env steps (its ``rollout_fragment_length``; SB3 every step)
with the same one gradient step per env step.

The peer is installed only for this benchmark (the ``bench`` extra)::

    .venv/bin/pip install stable-baselines3

Run: ``.venv/bin/python benchmarks/algorithms.py`` (``--a2c-steps``, ``--td3-steps``
change the budgets; ``--only a2c|td3`` runs one).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

EVAL_EPISODES = 20
HIDDEN = [64, 64]
A2C_ENV, TD3_ENV = "CartPole-v1", "Pendulum-v1"
A2C_ENVS = 8
A2C_HYPER = {  # SB3 names -> the same values on both sides
    "learning_rate": 1e-3,
    "n_steps": 16,  # per env: 8 x 16 = 128 env steps per update
    "gamma": 0.99,
    "gae_lambda": 1.0,
    "ent_coef": 0.0,
    "vf_coef": 0.5,
    "max_grad_norm": 0.5,
    "rms_prop_eps": 1e-5,
}
TD3_HYPER = {
    "learning_rate": 1e-3,
    "buffer_size": 100_000,
    "learning_starts": 1000,
    "batch_size": 128,
    "tau": 0.005,
    "gamma": 0.99,
    "train_freq": 1,
    "gradient_steps": 1,
    "policy_delay": 2,
    "target_policy_noise": 0.2,
    "target_noise_clip": 0.5,
}
TD3_ACTION_NOISE = 0.1  # std in normalized action units ([-1, 1])
RESULTS = Path(__file__).parent / "results" / "algorithms.json"


def evaluate(env_id: str, act: Any) -> float:
    """Mean return of ``act(obs) -> action`` over the seeded evaluation episodes."""
    env = gym.make(env_id)
    returns = []
    for seed in range(10_000, 10_000 + EVAL_EPISODES):
        obs, _ = env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            total, done = total + float(reward), terminated or truncated
        returns.append(total)
    env.close()
    return round(float(np.mean(returns)), 2)


def train_rllib(config: Any, steps: int) -> tuple[Path, int, float]:
    """Train until ``steps`` env steps; the checkpoint, the steps and the loop's seconds."""
    algo = config.build_algo()
    try:
        started, sampled = time.monotonic(), 0
        while sampled < steps:
            sampled = int(algo.train()["num_env_steps_sampled_lifetime"])
        elapsed = time.monotonic() - started
        checkpoint = Path(algo.save_to_path(tempfile.mkdtemp(prefix="arenalab-bench-")))
    finally:
        algo.stop()
    return checkpoint, sampled, elapsed


def ours(env_id: str, config: Any, steps: int) -> dict[str, Any]:
    """One arenalab run: steps/s and the served policy's greedy return."""
    from arenalab.policies import Policy

    checkpoint, sampled, elapsed = train_rllib(config, steps)
    policy = Policy.from_checkpoint(checkpoint)
    return {
        "env_steps": sampled,
        "train_loop_s": round(elapsed, 2),
        "env_steps_per_s": round(sampled / elapsed, 1),
        "final_return": evaluate(env_id, lambda obs: policy.act(obs, deterministic=True)[0]),
    }


def peer(env_id: str, model: Any, steps: int) -> dict[str, Any]:
    """One SB3 run, measured like :func:`ours`."""
    started = time.monotonic()
    model.learn(total_timesteps=steps)
    elapsed = time.monotonic() - started
    return {
        "env_steps": model.num_timesteps,
        "train_loop_s": round(elapsed, 2),
        "env_steps_per_s": round(model.num_timesteps / elapsed, 1),
        "final_return": evaluate(env_id, lambda obs: model.predict(obs, deterministic=True)[0]),
    }


def a2c_ours(steps: int, seed: int) -> dict[str, Any]:
    """The A2C of arenalab with A2C_HYPER."""
    from arenalab.algorithms.a2c import A2CConfig

    h = A2C_HYPER
    config = (
        A2CConfig()
        .environment(A2C_ENV)
        .env_runners(
            num_env_runners=0,
            num_envs_per_env_runner=A2C_ENVS,
            rollout_fragment_length=h["n_steps"],
        )
        .training(
            train_batch_size_per_learner=A2C_ENVS * h["n_steps"],
            lr=h["learning_rate"],
            gamma=h["gamma"],
            lambda_=h["gae_lambda"],
            entropy_coeff=h["ent_coef"],
            vf_loss_coeff=h["vf_coef"],
            grad_clip=h["max_grad_norm"],
            optimizer="rmsprop",
        )
        .rl_module(model_config={"fcnet_hiddens": HIDDEN, "vf_share_layers": False})
        .reporting(min_time_s_per_iteration=0)
        .debugging(seed=seed)
    )
    return ours(A2C_ENV, config, steps)


def a2c_peer(steps: int, seed: int) -> dict[str, Any]:
    """SB3's A2C with A2C_HYPER (RMSprop, alpha 0.99, eps 1e-5 by default)."""
    from stable_baselines3 import A2C
    from stable_baselines3.common.env_util import make_vec_env

    env = make_vec_env(A2C_ENV, n_envs=A2C_ENVS, seed=seed)
    model = A2C(
        "MlpPolicy",
        env,
        seed=seed,
        device="cpu",
        verbose=0,
        policy_kwargs={"net_arch": {"pi": HIDDEN, "vf": HIDDEN}},
        **A2C_HYPER,
    )
    return peer(A2C_ENV, model, steps)


def td3_ours(steps: int, seed: int) -> dict[str, Any]:
    """The TD3 of arenalab with TD3_HYPER (one gradient step per env step)."""
    from arenalab.algorithms.td3 import TD3Config

    h = TD3_HYPER
    config = (
        TD3Config()
        .environment(TD3_ENV)
        .env_runners(num_env_runners=0)
        .training(
            actor_lr=h["learning_rate"],
            critic_lr=h["learning_rate"],
            replay_buffer_config={"type": "EpisodeReplayBuffer", "capacity": h["buffer_size"]},
            num_steps_sampled_before_learning_starts=h["learning_starts"],
            train_batch_size_per_learner=h["batch_size"],
            training_intensity=h["batch_size"] * h["gradient_steps"] / h["train_freq"],
            tau=h["tau"],
            gamma=h["gamma"],
            policy_delay=h["policy_delay"],
            target_noise=h["target_policy_noise"],
            target_noise_clip=h["target_noise_clip"],
            exploration_noise=TD3_ACTION_NOISE,
        )
        .rl_module(model_config={"fcnet_hiddens": HIDDEN, "fcnet_activation": "relu"})
        .reporting(min_time_s_per_iteration=0, min_sample_timesteps_per_iteration=1000)
        .debugging(seed=seed)
    )
    return ours(TD3_ENV, config, steps)


def td3_peer(steps: int, seed: int) -> dict[str, Any]:
    """SB3's TD3 with TD3_HYPER and Gaussian action noise of the same (normalized) std."""
    from stable_baselines3 import TD3
    from stable_baselines3.common.noise import NormalActionNoise

    env = gym.make(TD3_ENV)
    dims = env.action_space.shape[0]  # SB3 adds the noise to the normalized action, too
    noise = NormalActionNoise(np.zeros(dims), TD3_ACTION_NOISE * np.ones(dims))
    model = TD3(
        "MlpPolicy",
        env,
        seed=seed,
        device="cpu",
        verbose=0,
        action_noise=noise,
        policy_kwargs={"net_arch": HIDDEN},
        **TD3_HYPER,
    )
    return peer(TD3_ENV, model, steps)


def ratio(a: float | None, b: float | None) -> float | None:
    """``a / b`` rounded, or None when either side is missing."""
    return round(a / b, 3) if a and b else None


def compare(name: str, env_id: str, steps: int, seed: int, runs: Any) -> dict[str, Any]:
    """Both sides of one algorithm, alternating ours then SB3's, and the ratios."""
    run_ours, run_peer = runs
    mine = run_ours(steps, seed)
    print(f"arenalab {name}", mine, flush=True)
    try:
        theirs = run_peer(steps, seed)
    except ImportError:
        print("stable-baselines3 is not installed: pip install stable-baselines3 (skipping peer)")
        theirs = None
    print(f"sb3      {name}", theirs, flush=True)
    row: dict[str, Any] = {
        "env": env_id,
        "env_steps_budget": steps,
        "arenalab": mine,
        "sb3": theirs,
    }
    if theirs:
        mine_ret, peer_ret = mine["final_return"], theirs["final_return"]
        row["steps_per_s_ratio"] = ratio(mine["env_steps_per_s"], theirs["env_steps_per_s"])
        row["return_ratio"] = (
            ratio(peer_ret, mine_ret)
            if peer_ret < 0 and mine_ret < 0
            else ratio(mine_ret, peer_ret)
        )
    return row


def main() -> None:
    """Run A2C and TD3 on both sides and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a2c-steps", type=int, default=50_000, help="A2C env steps per run.")
    parser.add_argument("--td3-steps", type=int, default=10_000, help="TD3 env steps per run.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["a2c", "td3"], default=None)
    args = parser.parse_args()

    import ray
    import torch

    torch.set_num_threads(1)  # both sides: one torch thread, as arenalab trains
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    report: dict[str, Any] = {
        "what": __doc__.splitlines()[0],
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "seed": args.seed,
        "a2c_hyperparameters": A2C_HYPER | {"n_envs": A2C_ENVS, "hidden": HIDDEN},
        "td3_hyperparameters": TD3_HYPER | {"action_noise": TD3_ACTION_NOISE, "hidden": HIDDEN},
        "eval_episodes": EVAL_EPISODES,
        "load_average_at_start": os.getloadavg()[0],
    }
    if args.only and RESULTS.exists():  # the other algorithm's rows stay as last measured
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
        kept = [name for name in ("A2C", "TD3") if name.lower() != args.only and name in previous]
        report.update({name: previous[name] for name in kept}, kept_from_previous_run=kept)
    if args.only in (None, "a2c"):
        report["A2C"] = compare("A2C", A2C_ENV, args.a2c_steps, args.seed, (a2c_ours, a2c_peer))
    if args.only in (None, "td3"):
        report["TD3"] = compare("TD3", TD3_ENV, args.td3_steps, args.seed, (td3_ours, td3_peer))
    report["load_average_at_end"] = os.getloadavg()[0]
    ray.shutdown()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
