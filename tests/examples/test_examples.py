"""examples/: the JavaScript client's own tests under node, and the docs that print examples."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from tests.examples.node import NODE, ROOT, node_websocket, requires_node, run

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


class SaturatedStream:
    """A frame stream that answers its first message 503 and its 'bad' frames 422.

    Otherwise it acks as arenalab does: cumulative counts of what it stored, in order.
    """

    def __init__(self) -> None:
        self.received: list[list[int]] = []  # frame numbers per message, in arrival order

    def handle(self, socket: ServerConnection) -> None:
        """Answer every message of one connection."""
        stored = 0
        for index, text in enumerate(socket):
            numbers = [frame["frame_number"] for frame in json.loads(text)]
            self.received.append(numbers)
            if index == 0:
                socket.send(
                    json.dumps(
                        {
                            "type": "error",
                            "message": 0,
                            "status": 503,
                            "detail": "log saturated",
                            "retry_after": 1,
                        }
                    )
                )
            elif 666 in numbers:
                detail = [{"loc": [0, "frame_number"], "msg": "bad", "type": "value_error"}]
                socket.send(
                    json.dumps({"type": "error", "message": index, "status": 422, "detail": detail})
                )
            else:
                stored += 1
                socket.send(json.dumps({"type": "ack", "frames": stored, "messages": stored}))


@pytest.fixture
def saturated() -> Iterator[tuple[SaturatedStream, Server]]:
    """A SaturatedStream on a free loopback port."""
    stream = SaturatedStream()
    with serve(stream.handle, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield stream, server
        server.shutdown()


def stream_script(port: int, messages: list[list[int]]) -> str:
    """Node code: stream ``messages`` (frame numbers) and print what close() says."""
    return (
        "import { ArenaClient } from './examples/arena-client.mjs';"
        f"const arena = new ArenaClient('http://127.0.0.1:{port}');"
        "const stream = await arena.streamRecorder({ id: 1 });"
        f"for (const numbers of {json.dumps(messages)}) "
        "stream.send(numbers.map((n) => ({ frame_number: n })));"
        "try { console.log(JSON.stringify(await stream.close())); }"
        "catch (error) { console.log(JSON.stringify({ status: error.status })); }"
    )


def test_stream_resends_a_503_message_and_closes_after_the_last_ack(saturated) -> None:
    """The refused message goes again after retry_after; close() waits for its ack."""
    stream, server = saturated
    script = stream_script(server.socket.getsockname()[1], [[0, 1], [2]])
    result = run([*node_websocket(), "--input-type=module", "-e", script])
    assert json.loads(result.stdout) == {"messages": 2}
    assert stream.received == [[0, 1], [2], [0, 1]]


def test_stream_close_reports_a_refused_message(saturated) -> None:
    """A 422 is not resent (it would fail again): close() rejects with its status."""
    stream, server = saturated
    script = stream_script(server.socket.getsockname()[1], [[0], [666], [1]])
    result = run([*node_websocket(), "--input-type=module", "-e", script])
    assert json.loads(result.stdout) == {"status": 422}
    assert stream.received == [[0], [666], [1], [0]]


def test_the_observation_module_is_the_published_function() -> None:
    """The example feeds policies docs/envs.md's tested arenaObservation, not a drifting copy."""
    published = doc_block("envs.md", "arena-obs javascript")
    assert published in (EXAMPLES / "arena-observation.mjs").read_text(), (
        "docs/envs.md's arenaObservation changed: copy it into examples/arena-observation.mjs"
    )


def test_the_lab_docs_print_the_live_example_as_it_is() -> None:
    """docs/lab.md's WebSocket snippet is examples/lab-live.mjs, which the suite runs."""
    assert doc_block("lab.md", "examples/lab-live.mjs") == (EXAMPLES / "lab-live.mjs").read_text()
