"""examples/: the JavaScript client's own tests under node, and the docs that print examples."""

from __future__ import annotations

import re

from tests.examples.node import NODE, ROOT, requires_node, run

EXAMPLES = ROOT / "examples"


def doc_block(doc: str, marker: str) -> str:
    """The javascript block right after ``<!-- marker -->`` in docs/``doc``."""
    text = (ROOT / "docs" / doc).read_text()
    match = re.search(re.escape(f"<!-- {marker} -->") + r"\s*```javascript\n(.*?)```", text, re.S)
    assert match, f"no javascript block after <!-- {marker} --> in docs/{doc}"
    return match.group(1)


@requires_node
def test_client_retries_saturation_and_sends_the_right_credential() -> None:
    """Retry-After honoured and capped, 422 not retried, token for frames, key for the rest."""
    result = run([NODE, "--test", "tests/examples/arena-client.test.mjs"])
    assert "# fail 0" in result.stdout and "# pass 6" in result.stdout, result.stdout


def test_the_observation_module_is_the_published_function() -> None:
    """The example feeds policies docs/envs.md's tested arenaObservation, not a drifting copy."""
    published = doc_block("envs.md", "arena-obs javascript")
    assert published in (EXAMPLES / "arena-observation.mjs").read_text()


def test_the_lab_docs_print_the_live_example_as_it_is() -> None:
    """docs/lab.md's WebSocket snippet is examples/lab-live.mjs, which the suite runs."""
    assert doc_block("lab.md", "examples/lab-live.mjs") == (EXAMPLES / "lab-live.mjs").read_text()
