"""``arenalab watch MODEL_ID``: a registered model plays, as an animated GIF or in the terminal."""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from arenalab.cli.settings import settings_or_exit
from arenalab.registry import NotFoundError

CLEAR = "\x1b[H\x1b[2J"  # cursor home, clear screen: each ANSI frame replaces the last


def command(
    model_id: Annotated[int, typer.Argument(help="Registry model id (arenalab models ls).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The GIF to write (ignored with --ansi).")
    ] = Path("watch.gif"),
    episodes: Annotated[int, typer.Option(min=1, help="Episodes, seeds 10000, 10001, ...")] = 1,
    opponent: Annotated[
        str, typer.Option(help="Arena opponent: heuristic or random (Pac-Man: ignored).")
    ] = "heuristic",
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop each episode after this many steps.")
    ] = None,
    ansi: Annotated[
        bool, typer.Option("--ansi", help="Play in the terminal as text instead of a GIF.")
    ] = False,
) -> None:
    """Play greedy episodes of a model exactly as /act serves it; write a GIF or print frames."""
    settings = settings_or_exit()
    if opponent not in ("heuristic", "random"):
        typer.echo(f"error: --opponent must be heuristic or random, got {opponent!r}", err=True)
        raise typer.Exit(2)
    from arenalab.training.watch import watch_model, write_gif  # imports torch

    mode = "ansi" if ansi else "rgb_array"
    try:
        replay = watch_model(
            model_id,
            episodes=episodes,
            opponent=opponent,
            max_steps=max_steps,
            render_mode=mode,
            settings=settings,
        )
    except (NotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if ansi:
        for frame in replay.frames:
            sys.stdout.write(CLEAR + frame + "\n")
            sys.stdout.flush()
            time.sleep(1 / replay.fps)
    else:
        path = write_gif(replay, out)
        typer.echo(f"wrote {path} ({len(replay.frames)} frames at {replay.fps} fps)")
    results = zip(replay.returns, replay.outcomes, strict=True)
    for number, (total, outcome) in enumerate(results, start=1):
        typer.echo(f"episode {number}: return {total:.2f}, {outcome}")
