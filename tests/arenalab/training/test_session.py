"""Seed 000's Python training loop, as its README writes it, against a real registry and Ray."""

import gymnasium as gym
import pytest
import torch
from arenalab.policies import Policy
from arenalab.registry import NotFoundError, Registry
from arenalab.training import TrainingConfig, create_training_session
from arenalab.training.watch import watch_model, write_gif


def test_the_seeds_loop_trains_saves_and_registers_the_fighters_model(
    ray_head, settings, tmp_path, monkeypatch
):
    """The seed's loop as written: trajectories, train steps, .pth files, a scored model."""
    monkeypatch.chdir(tmp_path)
    registry = Registry.from_settings(settings)
    fighter_id = registry.create_fighter("hero.glb", metadata_json={"size": 1.0}).id
    config = TrainingConfig(
        learning_rate=3e-4, episodes_per_training=3, batch_size=32, evaluation_episodes=3
    )
    trainer = create_training_session(fighter_id=fighter_id, config=config)
    env = trainer.make_env()
    with pytest.raises(RuntimeError, match="collect_trajectory"):
        trainer.train_step()
    with pytest.raises(ValueError, match="make_env"):
        trainer.collect_trajectory(gym.make("CartPole-v1"))  # not the arena's spaces
    models = []
    for epoch in range(2):
        for _ in range(3):
            stats = trainer.collect_trajectory(env, max_steps=60)
            assert 1 <= stats.duration <= 60
        metrics = trainer.train_step()
        assert metrics["episodes"] == 3 and 3 <= metrics["env_steps"] <= 180
        assert {"policy_loss", "vf_loss", "entropy"} <= set(metrics)
        models.append(trainer.save_checkpoint(f"models/fighter_1_v{epoch}.pth"))
    trainer.close()

    first, second = models
    assert first.fighter_id == second.fighter_id == fighter_id and first.rating is not None
    assert registry.get_session(trainer.session_id).status == "finished"
    assert [row.iteration for row in registry.list_metrics(trainer.session_id)] == [1, 2]
    newest_first = [second.model_id, first.model_id]
    assert [model.id for model in registry.list_models(fighter_id=fighter_id)] == newest_first
    served = Policy.from_checkpoint(second.checkpoint_uri, second.module_id).module.state_dict()
    saved = torch.load(tmp_path / "models" / "fighter_1_v1.pth")
    before = torch.load(tmp_path / "models" / "fighter_1_v0.pth")
    assert all(torch.equal(saved[name], served[name]) for name in saved)  # the acting part
    assert any(not torch.equal(saved[name], before[name]) for name in saved)  # it trained

    replay = watch_model(second.model_id, max_steps=10, opponent="random")
    assert len(replay.frames) == 11 and replay.frames[0].ndim == 3 and len(replay.returns) == 1
    assert write_gif(replay, tmp_path / "fight.gif").stat().st_size > 1000


def test_an_unknown_fighter_or_opponent_is_refused_before_anything_is_made(settings):
    """A clear error, and no run folder or session row left behind."""
    with pytest.raises(NotFoundError, match="fighter 99"):
        create_training_session(fighter_id=99)
    with pytest.raises(ValueError, match="opponents"):
        TrainingConfig(opponents="league")
    assert not (settings.data_dir / "runs").exists()
