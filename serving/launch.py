"""``arenalab serve``: start (or join) Ray with the chosen ingress mode, deploy, block.

Serve's ingress mode is read from environment variables when Ray's
processes start (docs/architecture.md 4.1), so they are set here before ``ray.init``
starts a local cluster; a cluster joined by address must have been started
with the same variables (docs/ingestion.md gives the ``ray start`` line).

- ``direct`` (default): the ingress replica serves HTTP and WebSockets itself
  on the configured port; no proxy hop (guides section 9: ~10x the default
  proxy for one frame per POST). One replica per port: with N replicas they
  take ports port..port+N-1, so a game reaches one of them unless a load
  balancer fronts them.
- ``proxy``: Serve's default HTTP proxy on the port, routing to any replica.
- ``haproxy``: HAProxy in front of direct-ingress replicas (needs ``haproxy``).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Sequence

from arenalab.cluster import connect_ray
from arenalab.serving.core.shutdown import (
    Interrupted,
    ShutdownSignals,
    become_subreaper,
    kill_descendants,
    run_bounded,
    still_running,
    wait_for_exit,
)
from arenalab.serving.deployment import DEPLOYMENT_NAME, IngressArgs, build_app
from arenalab.settings import Settings, shareable

log = logging.getLogger(__name__)

APP_NAME = "arenalab"
OTHER_APP_PORTS = 4  # direct-ingress ports for apps deployed beside the API
DELETE_TIMEOUT_S = 9.0  # replicas drain and flush their logs into Parquet
REPLICA_FLUSH_S = 3.0  # more for replicas flushing on their own after the raylet died
RAY_SHUTDOWN_S = 3.0  # a SIGINT/SIGTERM exits within ~15 s, whatever state Ray is in


# Serve 2.60 runs user code on a second event loop by default; with direct ingress (and
# HAProxy) uvicorn runs on the replica's own loop, so each request would cross threads
# twice (measured: 1,370 -> 615 us of replica CPU per frame without). Every route is
# async and blocks only in asyncio.to_thread, so the replica's loop is never held up.
SAME_LOOP = {"RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD": "0"}


def ingress_env(mode: str, port: int, replicas: int = 1) -> dict[str, str]:
    """Environment variables Ray must start with for an ingress mode."""
    if mode == "proxy":
        return {}
    if mode == "direct":
        # Ports [port, port + replicas + OTHER_APP_PORTS) (the maximum is exclusive): the
        # lowest free one goes first, so the API app, deployed first, gets ``port``; every
        # other app's ingress replica (e.g. the policy app) takes one of the rest.
        return {
            "RAY_SERVE_ENABLE_DIRECT_INGRESS": "1",
            "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT": str(port),
            "RAY_SERVE_DIRECT_INGRESS_MAX_HTTP_PORT": str(port + replicas + OTHER_APP_PORTS),
            # a replica replacing a dead one may reuse its port at once (quarantine is
            # for HAProxy's stale routes), so the game's URL survives a replica crash
            "RAY_SERVE_PORT_QUARANTINE_S": "0",
            # replicas drain 30 s by default, for a cloud load balancer; none locally
            "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "1",
            **SAME_LOOP,
        }
    if mode == "haproxy":
        binary = shutil.which("haproxy")
        if binary is None:
            raise RuntimeError("ingress mode haproxy needs the haproxy binary on PATH")
        return {
            "RAY_SERVE_ENABLE_HA_PROXY": "1",
            "RAY_SERVE_HAPROXY_BINARY_PATH": binary,
            **SAME_LOOP,
        }
    raise ValueError(f"ingress mode must be direct, proxy or haproxy, got {mode!r}")


class PortInUseError(RuntimeError):
    """The API's port is taken: ``arenalab serve`` says so and exits, never binds another."""


def check_ports_free(host: str, ports: Sequence[int]) -> None:
    """Fail fast if another server listens on a port the API is about to take.

    The probe binds as the replicas do (``SO_REUSEADDR``): the TIME-WAIT sockets a
    server that just stopped leaves behind do not count, a listening socket does.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in ports:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise PortInUseError(
                    f"port {port} on {host} is in use ({exc.strerror}): another arenalab "
                    "serve or another program listens there; stop it or pass --port"
                ) from None


def api_ports(settings: Settings, replicas: int = 1) -> list[int]:
    """The ports the API takes: one per replica with direct ingress, else the proxy's."""
    if settings.serve_ingress == "direct":
        return list(range(settings.port, settings.port + replicas))
    return [settings.port]


def bound_ports(app_name: str = APP_NAME) -> list[int]:
    """The HTTP ports Serve reports for an app's ingress (its replicas', or the proxy's)."""
    import ray
    from ray.serve._private.common import RequestProtocol
    from ray.serve.context import _get_global_client

    controller = _get_global_client()._controller
    groups = ray.get(controller.get_target_groups.remote(app_name), timeout=30)
    return sorted(
        target.port
        for group in groups
        if group.protocol == RequestProtocol.HTTP
        for target in group.targets
    )


def replica_pids(app_name: str = APP_NAME, deployment: str = DEPLOYMENT_NAME) -> list[int]:
    """The process ids of a deployment's replicas (to wait for their flush on the way out)."""
    from ray.serve.context import _get_global_client

    details = _get_global_client().get_serve_details()
    replicas = details["applications"][app_name]["deployments"][deployment]["replicas"]
    return [replica["pid"] for replica in replicas if replica.get("pid")]


def deploy(settings: Settings, *, replicas: int = 1, mounts: Sequence[str] = ()) -> str:
    """Start or join Ray, start Serve on the settings' host and port, deploy; return the URL.

    ``mounts`` are extra routers ("module:attribute") served by the same ingress.

    Raises:
        PortInUseError: if the port (direct ingress: one per replica) is taken, before
            Ray starts or, when another server took it meanwhile, once deployed.
    """
    from ray import serve
    from ray.serve.schema import LoggingConfig

    direct = settings.serve_ingress == "direct"  # replicas take the port; keep the proxy's apart
    wanted = api_ports(settings, replicas)
    check_ports_free(settings.host, wanted)
    overrides, secrets = shareable(settings)  # secrets never in deployment args (dashboard)
    os.environ.update({**ingress_env(settings.serve_ingress, settings.port, replicas), **secrets})
    connect_ray(settings, start_local=True, log_to_driver=False)
    http_port = settings.port + replicas + OTHER_APP_PORTS if direct else settings.port
    serve.start(
        http_options={"host": settings.host, "port": http_port},
        logging_config=LoggingConfig(enable_access_log=False),
    )
    args = IngressArgs(settings=overrides, num_replicas=replicas, mounts=list(mounts))
    serve.run(build_app(args), name=APP_NAME, route_prefix="/")  # first: it gets the port
    ports = bound_ports()
    if direct and ports != wanted:  # Serve moved on to the next free port of its range
        serve.delete(APP_NAME)
        taken = ", ".join(map(str, ports)) or "none"
        raise PortInUseError(
            f"port {settings.port} on {settings.host} was taken while starting (the API got "
            f"{taken}); stop whatever listens there or pass --port"
        )
    return f"http://{settings.host}:{ports[0] if direct else settings.port}"


def serve_forever(settings: Settings, *, replicas: int = 1) -> None:
    """Deploy, then block until SIGINT or SIGTERM; flush and stop everything, bounded.

    Never returns: the process exits 0 once the ingress replicas flushed (also when a
    SIGTERM to the process group stopped Ray under them), 1 when that was not confirmed
    in time; a second signal exits at once.

    Raises:
        PortInUseError: see :func:`deploy`.
    """
    import ray

    check_ports_free(settings.host, api_ports(settings, replicas))  # before touching signals
    local = not settings.ray_address  # this process starts (and owns) the Ray cluster
    signals = ShutdownSignals(on_force_exit=kill_descendants if local else lambda: None)
    signals.install()  # before ray.init: a signal during the long start-up stops it cleanly
    if local:
        become_subreaper()
    pids: list[int] = []
    code = 0
    try:
        url = deploy(settings, replicas=replicas)
        signals.install()  # ray.init installed its own SIGTERM handler
        pids = replica_pids() if local else []
        mode = settings.serve_ingress
        print(f"arenalab API at {url} (docs: {url}/docs, {mode} ingress); Ctrl-C stops")
        signals.wait()
    except Interrupted:
        pass
    finally:
        if ray.is_initialized():
            code = _tear_down(local, pids)
        if local:
            kill_descendants()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # Ray's own exit hooks could wait on a cluster that is gone


def _tear_down(local: bool, pids: list[int]) -> int:
    """Delete the API app (its replicas flush), wait for them, leave Ray, all bounded.

    Returns the exit code: 0 once the ingress replicas flushed (also when a SIGTERM
    to the process group stopped Ray under them), 1 when that was not confirmed.
    """
    import ray
    from ray import serve

    started = time.monotonic()
    deleting = threading.Thread(target=serve.delete, args=(APP_NAME,), daemon=True)
    if not (local and _local_cluster_dead()):  # a group SIGTERM stopped GCS and raylet too
        deleting.start()
        while deleting.is_alive() and time.monotonic() < started + DELETE_TIMEOUT_S:
            if local and (_local_cluster_dead() or (pids and not still_running(pids))):
                break  # the ingress replicas flushed and exited: ray.shutdown stops the rest
            deleting.join(0.2)
    # replicas whose GCS or raylet died flush on their own (deployment.flush_when_orphaned)
    late = wait_for_exit(pids, started + DELETE_TIMEOUT_S + REPLICA_FLUSH_S)
    if late:
        log.warning("ingress replicas %s did not finish flushing in time", late)
    if local and _local_cluster_dead():  # ray.shutdown would wait on the dead GCS
        return 1 if late else 0
    left = run_bounded("ray.shutdown", ray.shutdown, RAY_SHUTDOWN_S)  # local: killed after
    return 1 if late or (not local and (deleting.is_alive() or not left)) else 0


def _local_cluster_dead() -> bool:
    """True once a process of the Ray cluster this process started (GCS, raylet...) exited."""
    from ray._private.worker import _global_node

    return _global_node is not None and bool(_global_node.dead_processes())
