"""``arenalab offline``: train BC, MARWIL, CQL or IQL on a dataset selection and register it."""

from __future__ import annotations

from typing import Annotated

import typer

from arenalab.cli.datasets import selection_or_exit
from arenalab.cli.settings import settings_or_exit
from arenalab.datasets.view import EmptySelectionError
from arenalab.offline.algorithms import OfflineAlgorithm, OfflineBudget
from arenalab.training.progress import ProgressDisplay


def command(
    algo: Annotated[OfflineAlgorithm, typer.Option("--algo", help="Offline algorithm.")],
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset",
            help="Selector, e.g. 'game=arena,fighter=3|7,from=2026-11-01,to=2026-11-30,"
            "source=game|sim,min_return=5' (every key optional).",
        ),
    ] = "game=arena",
    iterations: Annotated[int, typer.Option(min=1, help="Training iterations.")] = 10,
    batch_size: Annotated[int, typer.Option(min=1, help="Transitions per update.")] = 256,
    updates: Annotated[int, typer.Option(min=1, help="Updates per iteration.")] = 8,
    lr: Annotated[
        float, typer.Option(min=0.0, help="Learning rate (actor/critic for CQL, IQL).")
    ] = 1e-3,
    evaluate: Annotated[
        int, typer.Option(min=0, help="Episodes to play in the arena simulation afterwards.")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of training and evaluation.")] = 0,
) -> None:
    """Train an offline policy from stored episodes, register it like online training."""
    from arenalab.offline.trainer import train_offline  # imports Ray lazily

    settings = settings_or_exit()
    selection = selection_or_exit(dataset)
    import ray.data  # Ray is imported only by commands that use it

    ray.data.DataContext.get_current().enable_progress_bars = False  # the display shows it
    budget = OfflineBudget(batch_size=batch_size, updates_per_iteration=updates, lr=lr, seed=seed)
    try:
        with ProgressDisplay() as display:
            result = train_offline(
                algo,
                selection,
                iterations=iterations,
                budget=budget,
                evaluate_episodes=evaluate,
                progress=display,
                settings=settings,
            )
    except (EmptySelectionError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"model {result.model_id} ({algo.rllib_name}, {result.env_id}, {result.obs_spec}): "
        f"{result.samples_trained} samples in {result.seconds:.1f}s "
        f"({result.metrics.get('samples_per_s', 0):.0f}/s), checkpoint {result.checkpoint_uri}"
    )
    if result.score is not None:
        s = result.score
        typer.echo(
            f"arena evaluation over {s.episodes} episodes: return {s.mean_return:.2f} "
            f"(random {s.random_mean_return:.2f}), win rate {s.win_rate:.2f}, rating {s.rating:.0f}"
        )
