"""The peer for benchmarks/inference.py: plain FastAPI + uvicorn + torch, one forward per request.

What a game team would write first: load the policy once, answer each POST with one
forward pass of the same module (same library, same checkpoint, so only the serving
differs).

    python benchmarks/inference_peer.py --port 9000 --checkpoint PATH
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import uvicorn
from arenalab.policies import Policy
from fastapi import FastAPI
from pydantic import BaseModel


class Observation(BaseModel):
    """One observation vector."""

    observation: list[float]


def create_app(checkpoint: Path) -> FastAPI:
    """The peer app acting with the checkpoint's default policy."""
    torch.set_num_threads(1)
    policy = Policy.from_checkpoint(checkpoint)
    app = FastAPI()

    @app.post("/act")
    async def act(body: Observation) -> dict:
        return {"action": policy.act(np.asarray(body.observation, dtype=np.float32))[0].tolist()}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--checkpoint", type=Path, required=True)
    options = parser.parse_args()
    uvicorn.run(
        create_app(options.checkpoint),
        host="127.0.0.1",
        port=options.port,
        log_level="warning",
        access_log=False,
    )
