"""Seed 004's example experiment, verbatim: the parameters its curl request sends."""

SEED_PARAMETERS = {  # the four groups, flags as 0/1 as the seed writes them
    "training": {
        "learning_rate": 0.001,
        "gamma": 0.99,
        "episodes": 1000,
        "batch_size": 64,
        "buffer_size": 10000,
    },
    "game": {
        "grid_size": 10,
        "num_ghosts": 2,
        "power_pellets": 2,
        "lives": 3,
        "pellet_density": 0.7,
    },
    "intelligence": {
        "exploration_rate": 0.1,
        "target_update": 100,
        "learning_starts": 1000,
        "train_freq": 4,
    },
    "visualization": {
        "fps": 10,
        "render_scale": 50,
        "show_grid": 1,
        "show_stats": 1,
        "highlight_path": 0,
    },
}
SEED_EXPERIMENT = {
    "name": "Ma première expérience",
    "description": "Test des paramètres par défaut",
    "tags": ["test", "débutant"],
    "preset": "débutant",
    "parameters": SEED_PARAMETERS,
}
"""The body of the seed's ``POST /api/v1/experiments/``."""
