"""The seed-style peer: plain FastAPI + SQLite, one INSERT and commit per frame (seed 000).

What a game team would build instead of arenalab, run by ``ingest.py`` in its
own process: ``--sqlite default`` keeps SQLite's defaults (rollback journal,
synchronous=FULL), ``--sqlite tuned`` uses WAL with synchronous=NORMAL.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class FightFrame(BaseModel):
    """The seed's frame, validated as the seed's backend would."""

    episode_id: int
    frame_number: int
    fighter_position: list[float]
    fighter_health: float
    fighter_velocity: list[float]
    enemies_state: list[dict]
    action_vector: list[float]
    reward_delta: float
    cumulative_reward: float
    observation_vector: list[float]


def make_app(path: str, mode: str) -> FastAPI:
    """The peer's app over one SQLite file."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    if mode == "tuned":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS fight_frames (id INTEGER PRIMARY KEY, episode_id INTEGER, "
        "frame_number INTEGER, fighter_position TEXT, fighter_health REAL, "
        "fighter_velocity TEXT, enemies_state TEXT, action_vector TEXT, reward_delta REAL, "
        "cumulative_reward REAL, observation_vector TEXT)"
    )
    lock = threading.Lock()
    app = FastAPI()

    @app.post("/api/fight-frames")
    def record(frame: FightFrame) -> dict:
        with lock:
            db.execute("BEGIN")
            db.execute(
                "INSERT INTO fight_frames (episode_id, frame_number, fighter_position, "
                "fighter_health, fighter_velocity, enemies_state, action_vector, reward_delta, "
                "cumulative_reward, observation_vector) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    frame.episode_id,
                    frame.frame_number,
                    json.dumps(frame.fighter_position),
                    frame.fighter_health,
                    json.dumps(frame.fighter_velocity),
                    json.dumps(frame.enemies_state),
                    json.dumps(frame.action_vector),
                    frame.reward_delta,
                    frame.cumulative_reward,
                    json.dumps(frame.observation_vector),
                ),
            )
            db.execute("COMMIT")
        return {"status": "recorded"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sqlite", choices=["default", "tuned"], default="default")
    options = parser.parse_args()
    uvicorn.run(
        make_app(options.db, options.sqlite),
        host="127.0.0.1",
        port=options.port,
        log_level="warning",
        access_log=False,
    )
