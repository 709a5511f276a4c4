"""The parameter -> RLlib mapping for every algorithm; nothing silently dropped (no Ray)."""

from pathlib import Path

import pytest
from arenalab.experiments import build_experiment, mapping_markdown, training_settings
from arenalab.experiments.algorithm import DEFAULT_CONV_FILTERS, model_config
from arenalab.experiments.mapping import EPISODES_METRIC, STEPS_METRIC, stop_criteria

ENV_FOR = {"DQN": "pacman", "SAC": "arena", "TQC": "arena", "TD3": "arena"}
CHANGED = {  # every mapped parameter away from its default: the user set them all
    "training": {"learning_rate": 5e-4, "gamma": 0.9, "batch_size": 32, "buffer_size": 5000},
    "intelligence": {
        "exploration_rate": 0.2,
        "target_update": 200,
        "learning_starts": 500,
        "train_freq": 8,
    },
}


def experiment(algorithm, **groups):
    """A default experiment for ``algorithm`` on an env whose action space suits it."""
    environment = ENV_FOR.get(algorithm, "pacman")
    return build_experiment({"algorithm": algorithm, "environment": environment, **groups})


def test_ppo():
    """PPO maps rate, gamma, batch sizes and entropy; it names the DQN-only knobs a user set."""
    settings, warnings = training_settings(experiment("PPO"))
    assert settings["lr"] == 1e-3 and settings["gamma"] == 0.99
    assert settings["minibatch_size"] == 64 and settings["train_batch_size_per_learner"] == 10_000
    assert settings["entropy_coeff"] == 0.1
    assert warnings == []  # PPO ignores them, but they are the defaults: nothing to say
    _, changed = training_settings(experiment("PPO", **CHANGED))
    assert sorted(w.split("=")[0] for w in changed) == [
        "intelligence.learning_starts",
        "intelligence.target_update",
        "intelligence.train_freq",
    ]


def test_appo_and_impala():
    """APPO maps target updates and its circular buffer; IMPALA has no buffer and says so."""
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
    """DQN maps epsilon, target updates, learning starts, train_freq and the replay buffer."""
    settings, warnings = training_settings(
        experiment(
            "DQN",
            intelligence={
                "exploration_rate": 0.05,
                "learning_starts": 500,
                "target_update": 250,
                "train_freq": 8,
            },
        )
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
    """SAC and TQC split the learning rate into actor, critic and alpha rates; tau, alpha set."""
    settings, warnings = training_settings(experiment(algorithm))
    assert warnings == []
    assert settings["lr"] is None
    assert settings["actor_lr"] == settings["critic_lr"] == settings["alpha_lr"] == 1e-3
    assert settings["tau"] == 1 / 100 and settings["initial_alpha"] == 0.1


def test_rllib_overrides_apply_last():
    """Values under ``rllib:`` win over what the parameters map to."""
    settings, _ = training_settings(build_experiment({"rllib": {"num_epochs": 3, "lr": 0.5}}))
    assert settings["num_epochs"] == 3 and settings["lr"] == 0.5


def test_episodes_is_a_stop_criterion():
    """training.episodes stops on RLlib's lifetime episodes; run.max_iterations on iterations."""
    exp = build_experiment({"training": {"episodes": 42}, "run": {"max_iterations": 7}})
    assert stop_criteria(exp) == {EPISODES_METRIC: 42, "training_iteration": 7}


def test_env_steps_is_a_stop_criterion_besides_episodes():
    """training.env_steps adds a sampled-steps threshold; the seed's episodes still stop."""
    exp = build_experiment({"training": {"episodes": 42, "env_steps": 5000}})
    assert stop_criteria(exp) == {EPISODES_METRIC: 42, STEPS_METRIC: 5000}


REPLAY = {"intelligence.learning_starts", "intelligence.target_update", "intelligence.train_freq"}
"""The replay and target-network knobs; algorithms without them say so."""
IGNORED = {  # of CHANGED, what each algorithm has no use for (docs/experiments.md's table)
    "PPO": REPLAY,
    "APPO": REPLAY - {"intelligence.target_update"},
    "IMPALA": REPLAY | {"training.buffer_size"},
    "DQN": set(),
    "SAC": set(),
    "TQC": set(),
    "A2C": REPLAY | {"training.buffer_size"},
    "TD3": set(),
}


@pytest.mark.parametrize("algorithm", sorted(IGNORED))
def test_a_parameter_the_user_set_changes_training_or_is_named_in_a_warning(algorithm):
    """Nothing is silently dropped: a set parameter moves an RLlib value, or a warning names it."""
    _, warnings = training_settings(experiment(algorithm, **CHANGED))
    assert {warning.split("=")[0] for warning in warnings} == IGNORED[algorithm]
    default, _ = training_settings(experiment(algorithm))
    for group, values in CHANGED.items():
        for name, value in values.items():
            if f"{group}.{name}" not in IGNORED[algorithm]:
                settings, _ = training_settings(experiment(algorithm, **{group: {name: value}}))
                assert settings != default, f"{algorithm}: {group}.{name}={value} changed nothing"


def test_the_documented_table_is_the_one_the_code_applies():
    """docs/experiments.md shows the table ``experiments mapping`` prints, row for row."""
    documented = (Path(__file__).parents[3] / "docs" / "experiments.md").read_text()
    table = mapping_markdown()
    assert table.strip() in documented
    row = next(line for line in table.splitlines() if line.startswith("| training.learning_rate |"))
    assert row.count("`lr`") == 5 and row.count("`actor_lr`, `critic_lr`") == 3
