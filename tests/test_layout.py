"""The layout contract of DESIGN.md 3.1: one namespace, and stdlib ``platform`` never shadowed."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_folder_is_not_a_package() -> None:
    """platform/ must stay a plain folder (DESIGN.md 3.1)."""
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
