"""docs/envs.md: its JavaScript builds the same arena-obs-v2 and -v1 vectors as Python."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from arenalab.envs.arena import MultiAgentArenaEnv, observation_from_frame
from arenalab.envs.arena.spec import OBS_SIZES

DOC = Path(__file__).resolve().parents[2] / "docs" / "envs.md"
MARKER = "<!-- arena-obs javascript -->"


def js_function() -> str:
    """The code block right after the marker in docs/envs.md."""
    text = DOC.read_text()
    match = re.search(re.escape(MARKER) + r"\s*```javascript\n(.*?)```", text, re.S)
    assert match, f"no javascript block after {MARKER} in {DOC}"
    return match.group(1)


def sample_cases() -> list[dict]:
    """Hand-made edge cases plus frames from a simulated 6-fighter battle."""
    cases = [
        {  # the seed's example frame, plus a fallen enemy, a velocity and a tie
            "frame": {
                "fighter_position": [0.0, 5.0],
                "fighter_health": 100.0,
                "fighter_velocity": [1.0, 0.5],
                "enemies_state": [
                    {"id": 2, "pos": [10.0, 0.0], "health": 90},
                    {"id": 3, "pos": [3.0, 5.0], "health": 0},
                    {"id": 4, "pos": [-3.0, 5.0], "health": 55, "vel": [2.0, -1.0]},
                    {"id": 5, "pos": [0.0, 8.0], "health": 12.5},
                ],
            },
            "arenaSize": 24.0,
            "size": 1.5,
            "speed": 0.75,
        },
        {  # v2's optional fields: own cooldown and guard, enemy sizes, cooldowns, guards
            "frame": {
                "fighter_position": [0.0, 5.0],
                "fighter_health": 80.0,
                "fighter_velocity": [1.0, 0.5],
                "fighter_cooldown": 0.3,
                "fighter_blocking": True,
                "enemies_state": [
                    {
                        "id": 2,
                        "pos": [1.2, 5.4],
                        "health": 90,
                        "size": 2.0,
                        "cooldown": 0.0,
                        "blocking": True,
                    },
                    {
                        "id": 4,
                        "pos": [-3.0, 5.0],
                        "health": 55,
                        "size": 0.5,
                        "cooldown": 0.9,
                        "blocking": False,
                        "vel": [2.0, -1.0],
                    },
                ],
            },
            "arenaSize": 24.0,
            "size": 1.5,
            "speed": 0.75,
        },
        {  # more enemies than slots: only the nearest seven are kept
            "frame": {
                "fighter_position": [1.0, -2.0],
                "fighter_health": 33.0,
                "fighter_velocity": [0.0, 0.0],
                "enemies_state": [
                    {"id": i, "pos": [float(i), float(-i)], "health": 10.0 * i}
                    for i in range(1, 10)
                ],
            },
            "arenaSize": 20.0,
            "size": 1.0,
            "speed": 1.0,
        },
    ]
    env = MultiAgentArenaEnv({"num_fighters": 6, "arena_size": 18.0})
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(60):
        env.step({a: rng.uniform(-1, 1, 4) for a in env.agents})
    for seat in range(6):
        cases.append({"frame": env.game.frame(seat), "arenaSize": 18.0, "size": 1.0, "speed": 1.0})
    return cases


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("version", sorted(OBS_SIZES))
def test_javascript_and_python_build_the_same_vectors(version: str) -> None:
    """Run the doc's function under node on the same frames and compare every number."""
    cases = sample_cases()
    script = js_function() + (
        "\nconst cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "\nconsole.log(JSON.stringify(cases.map("
        f"(c) => arenaObservation(c.frame, c.arenaSize, c.size, c.speed, '{version}'))));"
    )
    result = subprocess.run(
        ["node", "-e", script], input=json.dumps(cases), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    from_js = json.loads(result.stdout)
    for case, js in zip(cases, from_js, strict=True):
        python = observation_from_frame(
            case["frame"],
            arena_size=case["arenaSize"],
            size=case["size"],
            speed=case["speed"],
            version=version,
        )
        assert len(js) == len(python) == OBS_SIZES[version]
        np.testing.assert_allclose(np.array(js, dtype=np.float32), python, rtol=1e-6, atol=1e-7)
