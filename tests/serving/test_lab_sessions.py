"""Training sessions from the lab API: real Ray jobs started, paused, resumed and stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

LONG_RUN = {  # small maze and batches, but more episodes than the test will wait for
    "name": "lab-session",
    "preset": "rapide",
    "parameters": {
        "training": {"episodes": 100000, "batch_size": 32},
        "resources": {"num_env_runners": 0},
        "rllib": {"train_batch_size_per_learner": 128, "num_epochs": 1},
    },
}


def wait_for(lab: TestClient, session_id: int, done: Callable[[dict], bool], timeout_s=240):
    """Poll the session until ``done(session)`` holds; fail with its last state otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        session = lab.get(f"/api/v1/training/sessions/{session_id}").json()
        if done(session):
            return session
        assert session["status"] != "failed", session["error"]
        if time.monotonic() > deadline:
            pytest.fail(f"session never reached the expected state: {session}")
        time.sleep(1)


@pytest.mark.slow
def test_start_pause_resume_stop(ray_head, make_client: Callable[..., TestClient]) -> None:
    """A session runs as a Ray job, pauses with a checkpoint, resumes where it was, stops."""
    lab = make_client()
    experiment = lab.post("/api/v1/experiments/", json=LONG_RUN)
    assert experiment.status_code == 201, experiment.text
    session = lab.post("/api/v1/training/sessions", json={"experiment_id": experiment.json()["id"]})
    session_id = session.json()["id"]
    assert session.json()["status"] == "created"

    started = lab.post(f"/api/v1/training/sessions/{session_id}/start").json()
    assert started["status"] == "starting" and started["job_id"]
    assert lab.post(f"/api/v1/training/sessions/{session_id}/start").status_code == 409
    wait_for(lab, session_id, lambda s: s["status"] == "running" and s["iterations"] >= 1)
    with lab.websocket_connect("/ws") as socket:  # live metrics, as the job records them
        socket.send_json({"type": "subscribe", "channel": "metrics", "session_id": session_id})
        assert socket.receive_json()["type"] == "subscribed"
        pushed = socket.receive_json()
        assert pushed["type"] == "metrics" and pushed["data"]["session_id"] == session_id
        assert pushed["data"]["values"]["num_env_steps_sampled_lifetime"] > 0

    assert lab.post(f"/api/v1/training/sessions/{session_id}/pause").json()["status"] == "pausing"
    paused = wait_for(lab, session_id, lambda s: s["status"] == "paused")
    assert paused["run_uri"] and paused["iterations"] >= 1

    resumed = lab.post(f"/api/v1/training/sessions/{session_id}/resume").json()
    assert resumed["status"] == "starting"
    wait_for(
        lab,
        session_id,
        lambda s: s["status"] == "running" and s["iterations"] > paused["iterations"],
    )
    lab.post(f"/api/v1/training/sessions/{session_id}/stop")
    stopped = wait_for(lab, session_id, lambda s: s["status"] == "stopped")
    assert lab.post(f"/api/v1/training/sessions/{session_id}/resume").status_code == 409

    metrics = lab.get(f"/api/v1/training/sessions/{session_id}/metrics").json()
    iterations = [m["iteration"] for m in metrics]
    assert iterations == list(range(1, stopped["iterations"] + 1))  # resumed, never restarted
    steps = [m["values"]["num_env_steps_sampled_lifetime"] for m in metrics]
    assert steps == sorted(steps) and steps[0] > 0  # step counts continued across the pause


def test_session_errors(ray_head, make_client: Callable[..., TestClient]) -> None:
    """Unknown experiments and sessions are 404; a session that never ran cannot pause."""
    lab = make_client()
    assert lab.post("/api/v1/training/sessions", json={"experiment_id": 999}).status_code == 404
    experiment_id = lab.post("/api/v1/experiments/", json={"name": "idle"}).json()["id"]
    session_id = lab.post(
        "/api/v1/training/sessions", json={"experiment_id": experiment_id}
    ).json()["id"]
    assert lab.post(f"/api/v1/training/sessions/{session_id}/pause").status_code == 409
    assert lab.post(f"/api/v1/training/sessions/{session_id}/resume").status_code == 409
    assert lab.get("/api/v1/training/sessions/999/metrics").status_code == 404
    listed = lab.get("/api/v1/training/sessions", params={"experiment_id": experiment_id}).json()
    assert [s["id"] for s in listed] == [session_id]


@pytest.mark.slow
def test_racing_starts_submit_one_job_and_a_stop_while_starting_wins(
    ray_head, make_client: Callable[..., TestClient]
) -> None:
    """Two `start` calls at once: one 200, one 409, one Ray job.

    A `stop` before the job runs ends the session `stopped`: the job's `running`
    never overwrites it (it used to, and the session then ended `paused`).
    """
    from ray.job_submission import JobSubmissionClient

    lab = make_client()
    experiment_id = lab.post("/api/v1/experiments/", json=LONG_RUN).json()["id"]
    session_id = lab.post(
        "/api/v1/training/sessions", json={"experiment_id": experiment_id}
    ).json()["id"]
    submitted_after_ms = time.time() * 1000
    barrier = threading.Barrier(2)

    def start(_: int) -> httpx.Response:
        barrier.wait()
        return lab.post(f"/api/v1/training/sessions/{session_id}/start")

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(start, range(2)), key=lambda answer: answer.status_code)
    assert [answer.status_code for answer in answers] == [200, 409], [a.text for a in answers]
    assert answers[1].json()["detail"] == f"session {session_id} is starting, not created"
    job_id = answers[0].json()["job_id"]
    jobs = JobSubmissionClient(ray_head.dashboard_url).list_jobs()
    ours = [
        job.submission_id
        for job in jobs
        if f"--session {session_id}" in job.entrypoint
        and (job.start_time or 0) >= submitted_after_ms
    ]
    assert ours == [job_id]

    assert lab.post(f"/api/v1/training/sessions/{session_id}/stop").json()["status"] == "stopping"
    assert lab.post(f"/api/v1/training/sessions/{session_id}/pause").status_code == 409
    stopped = wait_for(lab, session_id, lambda s: s["status"] not in ("stopping", "running"))
    assert stopped["status"] == "stopped"
