"""``serving/serve_config.yaml`` is a valid Serve config whose args build the application."""

from __future__ import annotations

from pathlib import Path

import yaml
from arenalab.serving.deployment import DEPLOYMENT_NAME, IngressArgs, build_app
from arenalab.serving.launch import ingress_env
from ray.serve.schema import ServeDeploySchema

CONFIG = Path(__file__).parents[2] / "serving" / "serve_config.yaml"


def test_config_validates_and_builds() -> None:
    """Serve accepts the file; its import path builds the ingress with the file's options."""
    config = ServeDeploySchema.model_validate(yaml.safe_load(CONFIG.read_text()))
    [app] = [app for app in config.applications if app.name == "arenalab"]
    assert config.applications[0] is app  # first: with direct ingress it gets port 8001
    assert (config.http_options.port, app.import_path) == (
        8001,
        "arenalab.serving.deployment:build_app",
    )
    ingress = build_app(IngressArgs.model_validate(app.args))._bound_deployment
    assert ingress.name == DEPLOYMENT_NAME
    options = ("num_replicas", "max_ongoing_requests", "max_queued_requests")
    assert {name: getattr(ingress, name) for name in options} == {
        name: app.args[name] for name in options
    }
    assert ingress.ray_actor_options["num_cpus"] == app.args["num_cpus"]


def test_ingress_modes_set_ray_start_variables() -> None:
    """Direct ingress puts the replica on the API port, user code on its loop; proxy: nothing."""
    env = ingress_env("direct", 8001)
    assert env["RAY_SERVE_ENABLE_DIRECT_INGRESS"] == "1"
    assert env["RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT"] == "8001"
    assert env["RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD"] == "0"
    assert ingress_env("proxy", 8001) == {}
