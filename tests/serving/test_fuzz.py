"""API fuzz: every operation of ``/openapi.json`` against a live ``arenalab serve``, no 5xx.

Schemathesis generates bodies, paths and queries from the schema for each operation,
a bounded number of examples each: positive ones (fit the schema, boundary values
included) and negative ones (break it: wrong types, out-of-range numbers, missing
fields), and sends them over real HTTP to the server a user
starts. Whatever it sends, the answer must be a 2xx, 3xx or 4xx: a 5xx is a bug.

Training sessions are never started: a start or resume of a session the fuzz itself
created would run a real training job per example, so those two controls are sent
to a session id that does not exist (still the whole route, answered 404).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

ARENALAB = str(Path(sys.executable).parent / "arenalab")
EXAMPLES = 12  # per operation and mode: 38 operations x 2 x 12 take ~1-2 minutes on 2 cores
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
MISSING_SESSION = 10**12
SENT: Counter[str] = Counter()
MODE_SENT: Counter[str] = Counter()


@pytest.fixture(scope="module")
def served_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``arenalab serve`` as a user starts it (its own local Ray), stopped with Ctrl-C."""
    folder = tmp_path_factory.mktemp("fuzz")
    port = random.randrange(18000, 19900, 10)  # its ingress takes a few ports from here
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENALAB_")}
    env |= {
        "ARENALAB_DATA_DIR": str(folder / "data"),
        "ARENALAB_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = folder / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [ARENALAB, "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = _wait_ready(log_path, server)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def api_schema(served_url: str) -> schemathesis.BaseSchema:
    """The live server's own OpenAPI document."""
    return schemathesis.openapi.from_url(f"{served_url}/openapi.json")


@pytest.mark.slow
def test_no_input_gets_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    """Whatever the schema allows or almost allows, no operation answers a 5xx."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    errors: list[str] = []
    for operation in operations:
        for mode in MODES:
            fuzz_operation(operation, mode, errors)
    print(f"\nfuzz: {len(SENT)} operations, {sum(SENT.values())} requests {dict(MODE_SENT)}")
    assert len(SENT) == len(operations) >= 38  # every operation ran
    assert not errors, "\n\n".join(errors[:10])


def fuzz_operation(
    operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, errors: list[str]
) -> None:
    """Send ``EXAMPLES`` requests that fit (positive) or break (negative) the schema; note 5xx."""

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples every run: a failure reproduces
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report, then move on
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        if case.path_parameters and case.path_parameters.get("control") in ("start", "resume"):
            case.path_parameters["session_id"] = MISSING_SESSION
        SENT[operation.label] += 1
        MODE_SENT[mode.value] += 1
        response = case.call(timeout=60)
        if response.status_code >= 500:
            errors.append(
                f"{operation.label} -> {response.status_code}: {response.text[:300]}\n"
                f"  {case.as_curl_command()}"
            )

    try:
        run()
    except Unsatisfiable:  # nothing breaks the schema of an operation without inputs
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label


def _wait_ready(log: Path, server: subprocess.Popen, timeout_s: float = 240) -> str:
    """The URL `arenalab serve` prints once deployed, then the API answering on it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        found = re.search(r"arenalab API at (\S+) ", log.read_text())
        if found and httpx.get(f"{found.group(1)}/health", timeout=30).status_code < 500:
            return found.group(1)
        time.sleep(1)
    pytest.fail(f"arenalab serve never got ready (exit code {server.poll()}):\n{log.read_text()}")
