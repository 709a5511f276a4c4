"""The KubeRay manifests in deploy/ stay consistent with the code they start."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
MANIFESTS = sorted(DEPLOY.glob("*.yaml"))


def cluster_specs(manifest: dict) -> list[dict]:
    """Every RayCluster spec inside a RayCluster, RayJob or RayService manifest."""
    spec = manifest["spec"]
    return [spec.get("rayClusterSpec") or spec.get("rayClusterConfig") or spec]


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_every_cluster_has_token_auth(path: Path) -> None:
    """Ray's Jobs port runs code for whoever reaches it: every cluster turns token auth on."""
    manifest = yaml.safe_load(path.read_text())
    for spec in cluster_specs(manifest):
        assert spec["authOptions"]["mode"] == "token"
        assert spec["rayVersion"].startswith("2.60")


def test_rayservice_imports_the_real_app_builder() -> None:
    """The RayService's Serve config names an importable builder and valid arguments."""
    manifest = yaml.safe_load((DEPLOY / "rayservice.yaml").read_text())
    app = yaml.safe_load(manifest["spec"]["serveConfigV2"])["applications"][0]
    module_name, attribute = app["import_path"].split(":")
    module = importlib.import_module(module_name)
    builder = getattr(module, attribute)
    builder(module.IngressArgs(**app["args"]))


def test_rayjob_entrypoint_is_an_arenalab_command() -> None:
    """The RayJob runs `python -m arenalab train` with options the CLI accepts."""
    from arenalab.cli import app
    from typer.testing import CliRunner

    manifest = yaml.safe_load((DEPLOY / "rayjob-train.yaml").read_text())
    argv = shlex.split(manifest["spec"]["entrypoint"])
    assert argv[:3] == ["python", "-m", "arenalab"]
    result = CliRunner().invoke(app, [*argv[3:], "--help"])
    assert result.exit_code == 0, result.output
    for option in argv[4:]:
        if option.startswith("--"):
            assert option in result.output
