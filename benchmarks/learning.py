"""Agents that win: arenalab vs Stable-Baselines3 at equal env steps, scored as ``/act`` serves.

Each task trains the shipped experiment files (``experiments/*.yaml``) with arenalab's
own config builder, and SB3 with the same hyperparameters on the same observation, for
the same env steps; along the way both are evaluated greedily every ``--eval-every``
steps (the learning curve), and at the end over 100 fixed seeds (10000-10099), the
seeds on which the random and scripted baselines are scored in the same run.
arenalab's modules are scored exactly as the lab's ``/act`` route acts: loaded with
:class:`arenalab.policies.Policy` from the checkpoint, connectors included, greedy.

Writes ``benchmarks/results/learning.json`` and ``benchmarks/results/learning.png``.
The SB3 peer is the ``bench`` extra (``pip install -e .[bench]``); without it, its rows
are skipped with a message.

Tasks are plain functions in ``TASKS``: a task takes the parsed arguments and returns
``{"task": name, "baselines": {...}, "runs": [...]}`` where each run has ``side``,
``algorithm``, ``env_steps``, ``train_s``, ``curve`` (``[[steps, mean_return], ...]``)
and ``final`` (an ``EvalResult`` dict). To add a game, write one more such function
and append it to ``TASKS``; the JSON and the PNG pick it up (a task with no runs, e.g.
left out by ``--only``, is left out of both). ``arena_task`` scores the 1v1 arena's
league file against the heuristic and random. Each task's ``side_by_side`` lists both
sides' final scores per file and arenalab's points over random divided by SB3's.

Run: ``.venv/bin/python benchmarks/learning.py`` (the shipped budgets: about an hour on
2 shared cores), ``--quick`` for a short smoke run, ``--only pacman-ppo`` for one file,
``--sides arenalab`` for one side: the existing report's runs of the other files and
sides are kept (each run records the load average at its end), so a report can be
completed one run at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
FINAL_EPISODES, FINAL_SEED = 100, 10_000
CURVE_EPISODES, CURVE_SEED = 20, 20_000
QUICK_STEPS = 20_000
PACMAN_FILES = ("pacman-ppo", "pacman-dqn")
SIDES = ["arenalab", "sb3"]

Act = Callable[[Any], Any]


def start_ray(attempts: int = 5) -> None:
    """A local Ray for the run, retried: on a loaded machine its raylet can miss Ray's 30 s wait."""
    import ray

    for attempt in range(1, attempts + 1):
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
            return
        except Exception:  # Ray raises a bare Exception when its node times out
            ray.shutdown()
            if attempt == attempts:
                raise
            time.sleep(5)


def torch_threads() -> None:
    """One torch thread in this process too (the driver scores and SB3 trains here)."""
    import torch

    torch.set_num_threads(1)


def evaluate(env: Any, act: Act, episodes: int, seed: int) -> Any:
    """The one evaluation loop (``arenalab.envs.evaluation.play_episodes``)."""
    from arenalab.envs.evaluation import play_episodes

    return play_episodes(env, act, episodes, seed)


def served_act(checkpoint: str, module_id: str = "default_policy") -> Act:
    """Act as ``/act`` does: the checkpoint's RLModule and connectors, greedy."""
    from arenalab.policies import Policy

    policy = Policy.from_checkpoint(Path(checkpoint), module_id)
    return lambda obs: policy.act(obs[None], deterministic=True)[0]


def run_row(side: str, algorithm: str, steps: int, train_s: float, curve: list, final: Any) -> dict:
    """One run's entry in the report."""
    return {
        "side": side,
        "algorithm": algorithm,
        "env_steps": steps,
        "train_s": round(train_s, 1),
        "env_steps_per_s": round(steps / train_s, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "curve": curve,
        "final": final.to_dict(),
    }


def train_arenalab(experiment: Any, steps: int, eval_every: int, make_env: Callable) -> dict:
    """Train with ``build_config`` until ``steps`` env steps; greedy curve and final score."""
    from arenalab.experiments import build_config
    from arenalab.experiments.mapping import STEPS_METRIC

    algo = build_config(experiment).config.build_algo()
    folder = tempfile.mkdtemp(prefix="arenalab-learning-")
    print(f"  arenalab checkpoints at every curve point: {folder}/<env steps>", flush=True)
    env = make_env()
    curve, next_eval, done, started = [], eval_every, 0, time.monotonic()
    try:
        while done < steps:
            result = algo.train()
            done = int(result[STEPS_METRIC])
            if done >= next_eval or done >= steps:
                next_eval += eval_every
                act = served_act(algo.save(f"{folder}/{done}").checkpoint.path)  # kept
                score = evaluate(env, act, CURVE_EPISODES, CURVE_SEED)
                curve.append([done, round(score.mean_return, 2)])
                print(
                    f"  arenalab {experiment.algorithm.value} {done} steps "
                    f"{time.monotonic() - started:.0f}s greedy {score.mean_return:+.1f} "
                    f"win {score.win_rate:.0%}",
                    flush=True,
                )
        train_s = time.monotonic() - started
        final = evaluate(
            env, served_act(algo.save(folder).checkpoint.path), FINAL_EPISODES, FINAL_SEED
        )
    finally:
        algo.stop()
    return run_row("arenalab", experiment.algorithm.value, done, train_s, curve, final)


def sb3_schedule(value: Any, steps: int) -> Any:
    """An RLlib setting as SB3 takes it: a number, or a piecewise-linear ``[[t, v], ...]``.

    RLlib interpolates ``[[env_steps, value], ...]`` linearly and holds the last value;
    SB3 calls a schedule with ``progress_remaining`` (1 -> 0 over ``learn``'s steps).
    """
    if not isinstance(value, list):
        return value
    import numpy as np

    times, values = zip(*((float(t), float(v)) for t, v in value), strict=True)
    return lambda remaining: float(np.interp((1.0 - remaining) * steps, times, values))


def sb3_hyperparameters(experiment: Any, steps: int) -> tuple[str, dict[str, Any]]:
    """The SB3 class and keywords that match the experiment's RLlib settings."""
    from arenalab.experiments import training_settings
    from arenalab.experiments.algorithm import model_config

    settings, _ = training_settings(experiment)
    if isinstance(settings.get("entropy_coeff"), list):
        raise ValueError("SB3's PPO takes a constant ent_coef; the file schedules entropy_coeff")
    net = list(experiment.run.hidden_sizes)
    common = {
        "learning_rate": sb3_schedule(settings["lr"], steps),
        "gamma": settings["gamma"],
        "seed": experiment.seed,
    }
    if experiment.algorithm.value == "PPO":
        shared = model_config(experiment).get("vf_share_layers", True)
        return "PPO", {
            **common,
            "n_steps": settings["train_batch_size_per_learner"],
            "batch_size": settings["minibatch_size"],
            "n_epochs": settings["num_epochs"],
            "gae_lambda": settings["lambda_"],
            "clip_range": settings["clip_param"],
            "ent_coef": settings["entropy_coeff"],
            "vf_coef": settings["vf_loss_coeff"],
            "max_grad_norm": settings["grad_clip"],
            "policy_kwargs": {"net_arch": net if shared else {"pi": net, "vf": net}},
        }
    epsilon = settings["epsilon"]
    return "DQN", {
        **common,
        "buffer_size": settings["replay_buffer_config"]["capacity"],
        "batch_size": settings["train_batch_size_per_learner"],
        "learning_starts": settings["num_steps_sampled_before_learning_starts"],
        "target_update_interval": settings["target_network_update_freq"],
        "train_freq": experiment.intelligence.train_freq,
        "exploration_final_eps": epsilon[-1][1],
        "exploration_fraction_steps": epsilon[-1][0],
        "policy_kwargs": {"net_arch": net},
    }


def train_sb3(
    experiment: Any,
    steps: int,
    eval_every: int,
    make_env: Callable,
    finals: dict[str, Callable] | None = None,
    make_train_env: Callable | None = None,
) -> dict | None:
    """SB3 with the experiment's hyperparameters on the same env; None without SB3.

    ``finals`` names more envs to score the final model in (``final_{name}`` entries);
    ``make_train_env`` (default ``make_env``) is the env it learns in, ``make_env`` the
    one its curve and final score are measured in.
    """
    try:
        import stable_baselines3 as sb3
        from stable_baselines3.common.callbacks import BaseCallback
    except ImportError:
        print("stable-baselines3 is not installed: pip install -e .[bench] (skipping peer)")
        return None
    name, hyper = sb3_hyperparameters(experiment, steps)
    decay = hyper.pop("exploration_fraction_steps", None)
    if decay is not None:
        hyper["exploration_fraction"] = min(1.0, decay / steps)
    env, curve = make_env(), []

    def act_with(model: Any) -> Act:
        def act(obs: Any) -> Any:
            action = model.predict(obs, deterministic=True)[0]
            return int(action) if action.ndim == 0 else action  # Discrete or Box

        return act

    class Curve(BaseCallback):
        def _on_step(self) -> bool:
            if self.num_timesteps % eval_every == 0:
                score = evaluate(make_env(), act_with(self.model), CURVE_EPISODES, CURVE_SEED)
                curve.append([self.num_timesteps, round(score.mean_return, 2)])
                print(
                    f"  sb3 {name} {self.num_timesteps} steps greedy {score.mean_return:+.1f}",
                    flush=True,
                )
            return True

    started = time.monotonic()
    learning_env = make_train_env() if make_train_env else env
    model = getattr(sb3, name)("MlpPolicy", learning_env, device="cpu", verbose=0, **hyper)
    model.learn(total_timesteps=steps, callback=Curve())
    train_s = time.monotonic() - started
    final = evaluate(env, act_with(model), FINAL_EPISODES, FINAL_SEED)
    row = run_row("sb3", name, model.num_timesteps, train_s, curve, final)
    for other, make_other in (finals or {}).items():
        row[f"final_{other}"] = evaluate(
            make_other(), act_with(model), FINAL_EPISODES, FINAL_SEED
        ).to_dict()
    return row


def pacman_task(args: argparse.Namespace) -> dict[str, Any]:
    """The seed's default Pac-Man: the shipped PPO and DQN files, SB3, random and heuristic."""
    from arenalab.envs.baselines import resolve_policy
    from arenalab.envs.pacman import PacManEnv
    from arenalab.experiments import load_experiment

    files = [name for name in PACMAN_FILES if not args.only or name in args.only]
    runs, baselines, game = [], {}, None
    for name in files:
        experiment = load_experiment(ROOT / "experiments" / f"{name}.yaml")
        game = experiment.game.model_dump(exclude={"kind"})
        steps = args.steps or (QUICK_STEPS if args.quick else experiment.training.env_steps)
        eval_every = max(1000, steps // (4 if args.quick else 10))

        def make_env(game: dict = game) -> Any:
            return PacManEnv(game)

        if not baselines:
            for policy in ("random", "heuristic"):
                env = make_env()
                score = evaluate(
                    env, resolve_policy(policy, env, FINAL_SEED), FINAL_EPISODES, FINAL_SEED
                )
                baselines[policy] = score.to_dict()
                print(f"{policy}: {score.mean_return:+.1f}, win {score.win_rate:.0%}", flush=True)
        print(f"{name}: {steps} env steps, observation {game['observation']}", flush=True)
        sides = {"arenalab": train_arenalab, "sb3": train_sb3}
        for side in (sides[name] for name in args.sides):
            run = side(experiment, steps, eval_every, make_env)
            if run is not None:
                run["experiment"] = name
                runs.append(run)
                final = run["final"]
                print(
                    f"{name} {run['side']}: {final['mean_return']:+.1f}, win "
                    f"{final['win_rate']:.0%} in {run['train_s']:.0f}s",
                    flush=True,
                )
    return {"task": "pacman", "game": game, "baselines": baselines, "runs": runs}


def train_league(experiment: Any, steps: int, eval_every: int, make_env: Callable) -> dict:
    """The arena task's arenalab side: the league file trained, then scored as served."""
    from arenalab.experiments import build_config
    from arenalab.experiments.mapping import STEPS_METRIC

    built = build_config(experiment)  # the league's refresh callback included
    module_id = built.spec.policies_to_train[0]
    algo, folder = built.config.build_algo(), tempfile.mkdtemp(prefix="arenalab-arena-")
    curve, next_eval, done, started = [], eval_every, 0, time.monotonic()
    try:
        while done < steps:
            done = int(algo.train()[STEPS_METRIC])
            if done >= next_eval or done >= steps:
                next_eval += eval_every
                act = served_act(algo.save(folder).checkpoint.path, module_id)
                score = evaluate(make_env(), act, CURVE_EPISODES, CURVE_SEED)
                curve.append([done, round(score.mean_return, 2)])
                print(
                    f"  arenalab league {done} steps {time.monotonic() - started:.0f}s "
                    f"vs heuristic win {score.win_rate:.0%}",
                    flush=True,
                )
        train_s = time.monotonic() - started
        act = served_act(algo.save(folder).checkpoint.path, module_id)
    finally:
        algo.stop()
    run = run_row(
        "arenalab",
        "PPO league",
        done,
        train_s,
        curve,
        evaluate(make_env(), act, FINAL_EPISODES, FINAL_SEED),
    )
    run["final_random"] = evaluate(make_env("random"), act, FINAL_EPISODES, FINAL_SEED).to_dict()
    return run


def arena_task(args: argparse.Namespace) -> dict[str, Any]:
    """The 1v1 arena: the shipped league file vs SB3 PPO (trained against heuristic or random).

    Both fight in the single-agent 1v1 arena of ``experiments/arena-league.yaml`` and
    pick rows of its discrete action table; SB3 has no frozen past selves, so it learns
    against the league's two anchors ("mixed": heuristic or random per episode). The
    final score is against the heuristic (``final``) and against random
    (``final_random``), greedy, on the same 100 seeds; the curve is against the heuristic.
    arenalab's served policy answers the game's 4-vector, SB3's a row index.
    """
    from arenalab.envs.arena import ArenaEnv
    from arenalab.envs.baselines import resolve_policy
    from arenalab.experiments import load_experiment

    name = "arena-league"
    if args.only and name not in args.only:
        return {"task": "arena", "game": None, "baselines": {}, "runs": []}
    experiment = load_experiment(ROOT / "experiments" / f"{name}.yaml")
    game = {"arena_size": experiment.game.arena_size, "max_steps": experiment.game.max_steps}
    steps = args.steps or (QUICK_STEPS if args.quick else experiment.training.env_steps)
    eval_every = max(4000, steps // (4 if args.quick else 10))

    def make_env(opponent: str = "heuristic", action_set: str = "continuous") -> Any:
        return ArenaEnv({**game, "opponent_policy": opponent, "action_set": action_set})

    def sb3_env(opponent: str = "heuristic") -> Any:
        return make_env(opponent, experiment.game.action_set)

    baselines = {}
    for policy in ("random", "heuristic"):
        env = make_env()
        score = evaluate(env, resolve_policy(policy, env, FINAL_SEED), FINAL_EPISODES, FINAL_SEED)
        baselines[policy] = score.to_dict()
        print(f"arena {policy} vs heuristic: win {score.win_rate:.0%}", flush=True)
    runs = []
    if "arenalab" in args.sides:
        runs.append(train_league(experiment, steps, eval_every, make_env))
    if "sb3" in args.sides:
        finals = {"random": lambda: sb3_env("random")}
        peer = train_sb3(experiment, steps, eval_every, sb3_env, finals, lambda: sb3_env("mixed"))
        if peer is not None:
            runs.append(peer)
    for run in runs:
        run["experiment"] = name
        print(
            f"arena {run['side']}: win {run['final']['win_rate']:.0%} vs heuristic, "
            f"{run['final_random']['win_rate']:.0%} vs random",
            flush=True,
        )
    return {"task": "arena", "game": game, "baselines": baselines, "runs": runs}


TASKS: list[Callable[[argparse.Namespace], dict[str, Any]]] = [pacman_task, arena_task]
"""One function per game; each returns its baselines and runs (see the module docstring)."""


def side_by_side(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Per experiment file: both sides' final scores and arenalab's points over random / SB3's."""
    random = task["baselines"].get("random", {}).get("mean_return")
    rows = []
    for name in dict.fromkeys(run["experiment"] for run in task["runs"]):
        finals = {run["side"]: run for run in task["runs"] if run["experiment"] == name}
        row: dict[str, Any] = {"experiment": name}
        for side, run in finals.items():
            final = run["final"]
            row[side] = {
                "env_steps": run["env_steps"],
                "mean_return": final["mean_return"],
                "win_rate": final["win_rate"],
                "train_s": run["train_s"],
            }
        if {"arenalab", "sb3"} <= finals.keys() and random is not None:
            ours, theirs = (row[side]["mean_return"] - random for side in ("arenalab", "sb3"))
            row["points_over_random_ratio"] = round(ours / theirs, 2) if theirs > 0 else None
        rows.append(row)
    return rows


def keep_earlier_runs(tasks: list[dict[str, Any]], report: Path) -> list[dict]:
    """``tasks`` plus the earlier ``report``'s runs of other (file, side) pairs than theirs."""
    if not report.exists():
        return tasks
    fresh = {task["task"]: task for task in tasks}
    rerun = {(run.get("experiment"), run["side"]) for task in tasks for run in task["runs"]}
    merged = []
    for task in json.loads(report.read_text())["tasks"]:
        kept = [run for run in task["runs"] if (run.get("experiment"), run["side"]) not in rerun]
        new = fresh.pop(task["task"], None)
        if new is None:
            merged.append({**task, "runs": kept})
        else:
            merged.append(
                {
                    **new,
                    "baselines": new["baselines"] or task["baselines"],
                    "runs": kept + new["runs"],
                }
            )
    return [task for task in merged + list(fresh.values()) if task["runs"]]


def plot(tasks: list[dict[str, Any]], path: Path) -> None:
    """One panel per task: greedy curves of every run, baselines as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, panels = plt.subplots(1, len(tasks), figsize=(7 * len(tasks), 4.5), squeeze=False)
    for axes, task in zip(panels[0], tasks, strict=True):
        for run in task["runs"]:
            if run["curve"]:
                steps, values = zip(*run["curve"], strict=True)
                label = f"{run['side']} {run['algorithm']} ({run.get('experiment', '')})"
                axes.plot(steps, values, "o-", label=label)
        for name, score in task["baselines"].items():
            axes.axhline(
                score["mean_return"],
                linestyle="--",
                color="grey" if name == "random" else "black",
                label=f"{name} ({score['mean_return']:+.1f})",
            )
        axes.set_title(f"{task['task']}: greedy mean return ({CURVE_EPISODES} episodes)")
        axes.set_xlabel("env steps")
        axes.set_ylabel("mean return")
        axes.legend(fontsize=8)
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> None:
    """Run every task, then write the JSON report and the PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} steps per run.")
    parser.add_argument("--steps", type=int, help="Env steps per run (overrides the files).")
    parser.add_argument("--only", nargs="*", help="Experiment files to run (e.g. pacman-ppo).")
    parser.add_argument(
        "--sides",
        nargs="*",
        default=SIDES,
        choices=SIDES,
        help="Which sides to train (default both).",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="Folder for the results.")
    args = parser.parse_args()

    import ray

    start_ray()
    torch_threads()
    started = time.monotonic()
    tasks = [task for run_task in TASKS if (task := run_task(args))["runs"]]
    ray.shutdown()
    stem = "learning-quick" if args.quick else "learning"
    if args.only or args.sides != SIDES:
        tasks = keep_earlier_runs(tasks, args.out / f"{stem}.json")
    for task in tasks:
        task["side_by_side"] = side_by_side(task)
        print(json.dumps(task["side_by_side"]), flush=True)
    report = {
        "benchmark": "arenalab (RLlib 2.60) vs Stable-Baselines3 at equal env steps",
        "scoring": f"greedy, {FINAL_EPISODES} episodes, seeds {FINAL_SEED}.."
        f"{FINAL_SEED + FINAL_EPISODES - 1}; arenalab via arenalab.policies.Policy (as /act)",
        "quick": args.quick,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "wall_s": round(time.monotonic() - started, 1),
        "tasks": tasks,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2))
    plot(tasks, args.out / f"{stem}.png")
    print(f"wrote {args.out / stem}.json and .png")


if __name__ == "__main__":
    main()
