"""The layout contract (docs/architecture.md 3.1): one namespace, stdlib ``platform`` unshadowed."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_folder_is_not_a_package() -> None:
    """platform/ must stay a plain folder (docs/architecture.md 3.1)."""
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_stdlib_platform_and_ray_import_from_the_repo_root() -> None:
    """From the repo root, `platform` is the stdlib one; Ray and arenalab import."""
    code = (
        "import platform, ray, arenalab, arenalab.envs, arenalab.serving;"
        "print(platform.__file__); print(platform.system()); print(arenalab.envs.__name__)"
    )
    for extra in ({}, {"PYTHONPATH": "."}):  # `python -m` from the root, and a job's working dir
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin", **extra},
        )
        platform_file, system, envs_name = out.stdout.split()
        assert "python3" in platform_file and not platform_file.startswith(str(ROOT))
        assert system == "Linux" and envs_name == "arenalab.envs"


def test_every_serving_folder_is_an_importable_subpackage() -> None:
    """Each folder of serving/ imports as arenalab.serving.<folder>, so no route goes missing."""
    folders = sorted(p.parent.name for p in (ROOT / "serving").glob("*/__init__.py"))
    assert folders == ["arena", "core", "inference", "lab"]
    names = ",".join(f"arenalab.serving.{folder}" for folder in folders)
    code = f"import importlib; [importlib.import_module(n) for n in '{names}'.split(',')]"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_library_and_the_envs_never_import_the_serving_layer() -> None:
    """Imports point down only: serving/ and the CLI use the library, never the reverse."""
    upward = []
    for folder in (ROOT / "platform" / "arenalab", ROOT / "envs"):
        for path in folder.rglob("*.py"):
            if path.is_relative_to(ROOT / "platform" / "arenalab" / "cli"):
                continue  # the CLI is a front door, like serving/: it may start the API
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                if any(name.startswith("arenalab.serving") for name in names):
                    upward.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not upward, upward
