"""The parameter -> RLlib mapping for every algorithm; nothing silently dropped (no Ray)."""

import pytest
from arenalab.experiments import RULES, build_experiment, mapping_markdown, training_settings
from arenalab.experiments.algorithm import DEFAULT_CONV_FILTERS, model_config
from arenalab.experiments.mapping import EPISODES_METRIC, STEPS_METRIC, stop_criteria

ENV_FOR = {"DQN": "pacman", "SAC": "arena", "TQC": "arena", "TD3": "arena"}
CHANGED = {  # every mapped parameter away from its default: the user set them all
    "training": {"learning_rate": 5e-4, "gamma": 0.9, "batch_size": 32, "buffer_size": 5000},
    "intelligence": {"exploration_rate": 0.2, "target_update": 200, "learning_starts": 500,
                     "train_freq": 8},
}  # fmt: skip


def experiment(algorithm, **groups):
    """A default experiment for ``algorithm`` on an env whose action space suits it."""
    environment = ENV_FOR.get(algorithm, "pacman")
    return build_experiment({"algorithm": algorithm, "environment": environment, **groups})


def test_ppo():
    """Ppo."""
    settings, warnings = training_settings(experiment("PPO"))
    assert settings["lr"] == 1e-3 and settings["gamma"] == 0.99
    assert settings["minibatch_size"] == 64 and settings["train_batch_size_per_learner"] == 10_000
    assert settings["entropy_coeff"] == 0.1
    assert warnings == []  # PPO ignores them, but they are the defaults: nothing to say
    _, changed = training_settings(experiment("PPO", **CHANGED))
    assert sorted(w.split("=")[0] for w in changed) == [
        "intelligence.learning_starts", "intelligence.target_update", "intelligence.train_freq"
    ]  # fmt: skip


def test_appo_and_impala():
    """Appo and impala."""
    appo, appo_warnings = training_settings(experiment("APPO"))
    assert appo["target_network_update_freq"] == 100
    assert appo["circular_buffer_num_batches"] == 10_000 // 64
    assert appo["train_batch_size_per_learner"] == 64
    assert appo_warnings == [] and len(training_settings(experiment("APPO", **CHANGED))[1]) == 2
    impala, impala_warnings = training_settings(experiment("IMPALA"))
    assert impala["lr"] == 1e-3 and "circular_buffer_num_batches" not in impala
    _, impala_warnings = training_settings(experiment("IMPALA", **CHANGED))
    assert any(w.startswith("training.buffer_size") for w in impala_warnings)


def test_dqn():
    """Dqn."""
    settings, warnings = training_settings(
        experiment(
            "DQN",
            intelligence={
                "exploration_rate": 0.05,
                "learning_starts": 500,
                "target_update": 250,
                "train_freq": 8,
            },
        )  # fmt: skip
    )
    assert warnings == []
    assert settings["epsilon"] == [(0, 1.0), (10_500, 0.05)]
    assert settings["target_network_update_freq"] == 250
    assert settings["num_steps_sampled_before_learning_starts"] == 500
    assert settings["training_intensity"] == 64 / 8
    assert settings["replay_buffer_config"] == {"type": "EpisodeReplayBuffer", "capacity": 10_000}


def test_dqn_explores_and_replays_in_proportion_to_an_env_steps_budget():
    """With training.env_steps, epsilon decays over a fifth of it; the buffer never exceeds it."""
    settings, _ = training_settings(
        experiment(
            "DQN",
            training={"env_steps": 50_000, "buffer_size": 100_000},
            intelligence={"learning_starts": 1000},
        )
    )
    assert settings["epsilon"] == [(0, 1.0), (11_000, 0.1)]
    assert settings["replay_buffer_config"]["capacity"] == 50_000


def test_ppo_house_defaults_follow_sb3():
    """PPO clips at 0.2 and its gradients at 0.5, weighs the value loss 0.5, has no KL term."""
    settings, _ = training_settings(experiment("PPO"))
    assert settings["clip_param"] == 0.2 and settings["grad_clip"] == 0.5
    assert settings["vf_loss_coeff"] == 0.5 and settings["use_kl_loss"] is False
    assert model_config(experiment("PPO"))["vf_share_layers"] is False
    assert "vf_share_layers" not in model_config(experiment("DQN"))


def test_image_observations_get_a_cnn():
    """observation: image builds conv layers: run.conv_filters, else the house default."""
    image = experiment("PPO", game={"observation": "image"})
    assert model_config(image)["conv_filters"] == DEFAULT_CONV_FILTERS
    custom = experiment("PPO", game={"observation": "image"}, run={"conv_filters": [[8, 3, 1]]})
    assert model_config(custom)["conv_filters"] == [[8, 3, 1]]
    assert "conv_filters" not in model_config(experiment("PPO", game={"observation": "features"}))


@pytest.mark.parametrize("algorithm", ["SAC", "TQC"])
def test_sac_and_tqc(algorithm):
    """Sac and tqc."""
    settings, warnings = training_settings(experiment(algorithm))
    assert warnings == []
    assert settings["lr"] is None
    assert settings["actor_lr"] == settings["critic_lr"] == settings["alpha_lr"] == 1e-3
    assert settings["tau"] == 1 / 100 and settings["initial_alpha"] == 0.1


def test_rllib_overrides_apply_last():
    """Rllib overrides apply last."""
    settings, _ = training_settings(build_experiment({"rllib": {"num_epochs": 3, "lr": 0.5}}))
    assert settings["num_epochs"] == 3 and settings["lr"] == 0.5


def test_episodes_is_a_stop_criterion():
    """Episodes is a stop criterion."""
    exp = build_experiment({"training": {"episodes": 42}, "run": {"max_iterations": 7}})
    assert stop_criteria(exp) == {EPISODES_METRIC: 42, "training_iteration": 7}


def test_env_steps_is_a_stop_criterion_besides_episodes():
    """training.env_steps adds a sampled-steps threshold; the seed's episodes still stop."""
    exp = build_experiment({"training": {"episodes": 42, "env_steps": 5000}})
    assert stop_criteria(exp) == {EPISODES_METRIC: 42, STEPS_METRIC: 5000}


def test_every_parameter_is_mapped_or_warned_for_every_algorithm():
    """Every parameter the user set is mapped or warned for every algorithm."""
    for algorithm in ("PPO", "APPO", "IMPALA", "DQN", "SAC", "TQC", "A2C", "TD3"):
        settings, warnings = training_settings(experiment(algorithm, **CHANGED))
        warned = {w.split("=")[0] for w in warnings}
        for path, targets in RULES.items():
            assert (path in warned) != (algorithm in targets), (algorithm, path)


def test_markdown_table_lists_every_parameter():
    """Markdown table lists every parameter."""
    table = mapping_markdown()
    for path in [*RULES, "training.episodes", "training.env_steps", "game.*", "visualization.*"]:
        assert f"| {path} |" in table
