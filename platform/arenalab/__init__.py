"""arenalab: train, sweep, serve and improve reinforcement-learning agents for games, on Ray."""

__version__ = "0.1.0"
