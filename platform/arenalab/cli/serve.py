"""``arenalab serve``: the HTTP and WebSocket API on Ray Serve, until SIGINT or SIGTERM."""

from __future__ import annotations

from typing import Annotated

import typer

from arenalab.settings import SettingsError, load_settings


def command(
    host: Annotated[str | None, typer.Option(help="Bind address (ARENALAB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ARENALAB_PORT).")] = None,
    ingress: Annotated[
        str | None, typer.Option(help="direct | proxy | haproxy (ARENALAB_SERVE_INGRESS).")
    ] = None,
    replicas: Annotated[int, typer.Option(min=1, help="Ingress replicas.")] = 1,
) -> None:
    """Serve the arena API (and every app mounted on the ingress) on Ray Serve.

    Ctrl-C or SIGTERM (to the process or its group) flushes every acknowledged frame
    into Parquet and exits within ~15 s; a second signal exits at once.
    """
    from arenalab.serving.launch import PortInUseError, serve_forever

    given = {"host": host, "port": port, "serve_ingress": ingress}
    try:
        settings = load_settings(**{name: value for name, value in given.items() if value})
    except SettingsError as exc:  # e.g. a non-loopback host without ARENALAB_API_KEY
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    try:
        serve_forever(settings, replicas=replicas)
    except PortInUseError as exc:  # never silently on another port than the one asked for
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
