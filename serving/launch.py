"""``arenalab serve``: start (or join) Ray with the chosen ingress mode, deploy, block.

Serve's ingress mode is read from environment variables when Ray's
processes start (DESIGN.md 4.1), so they are set here before ``ray.init``
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

import os
import shutil
import signal
import threading
from collections.abc import Sequence

from arenalab.serving.deployment import IngressArgs, build_app
from arenalab.settings import Settings, shareable

APP_NAME = "arenalab"
OTHER_APP_PORTS = 4  # direct-ingress ports for apps deployed beside the API


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
            "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "2",
        }
    if mode == "haproxy":
        binary = shutil.which("haproxy")
        if binary is None:
            raise RuntimeError("ingress mode haproxy needs the haproxy binary on PATH")
        return {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_HAPROXY_BINARY_PATH": binary}
    raise ValueError(f"ingress mode must be direct, proxy or haproxy, got {mode!r}")


def deploy(settings: Settings, *, replicas: int = 1, mounts: Sequence[str] = ()) -> str:
    """Start or join Ray, start Serve on the settings' host and port, deploy; return the URL.

    ``mounts`` are extra routers ("module:attribute") served by the same ingress.
    """
    import ray
    from ray import serve
    from ray.serve.schema import LoggingConfig

    overrides, secrets = shareable(settings)  # secrets never in deployment args (dashboard)
    os.environ.update({**ingress_env(settings.serve_ingress, settings.port, replicas), **secrets})
    ray.init(address=settings.ray_address or "local", logging_level="WARNING", log_to_driver=False)
    direct = settings.serve_ingress == "direct"  # replicas take the port; keep the proxy's apart
    http_port = settings.port + replicas + OTHER_APP_PORTS if direct else settings.port
    serve.start(
        http_options={"host": settings.host, "port": http_port},
        logging_config=LoggingConfig(enable_access_log=False),
    )
    args = IngressArgs(settings=overrides, num_replicas=replicas, mounts=list(mounts))
    serve.run(build_app(args), name=APP_NAME, route_prefix="/")  # first: it gets the port
    return f"http://{settings.host}:{settings.port}"


def serve_forever(settings: Settings, *, replicas: int = 1) -> None:
    """Deploy, then block until Ctrl-C or SIGTERM; delete the app on the way out."""
    import ray
    from ray import serve

    url = deploy(settings, replicas=replicas)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # after ray.init, which installs its own
        signal.signal(sig, lambda *_: stop.set())
    mode = settings.serve_ingress
    print(f"arenalab API at {url} (docs: {url}/docs, {mode} ingress); Ctrl-C stops")
    stop.wait()
    serve.delete(APP_NAME)  # replicas flush and compact their logs on the way out
    serve.shutdown()
    ray.shutdown()
