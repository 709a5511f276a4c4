"""RLlib new-API-stack algorithms of arenalab's own: A2C, TD3, and RLlib's DQN and SAC on one loop.

RLlib 2.60 ships neither A2C nor TD3; DQN and SAC are RLlib's, run by the flat replay
loop TD3 uses (:mod:`arenalab.algorithms.replay`); PPO is RLlib's with a leaner optimizer
step (:mod:`arenalab.algorithms.lean`). Each is built like RLlib's own: an
``AlgorithmConfig`` subclass, an ``Algorithm`` subclass and a torch ``Learner`` with its
loss (plus, for TD3, its ``RLModule``), so checkpoints, Tune, the league and serving
treat them like the built-in ones.
"""
