"""RLlib new-API-stack algorithms of arenalab's own: A2C and TD3, which RLlib 2.60 does
not ship, and DQN, RLlib's on a faster replay loop (:mod:`arenalab.algorithms.replay`).

Each is built like RLlib's own: an ``AlgorithmConfig`` subclass, an ``Algorithm``
subclass and a torch ``Learner`` with its loss (plus, for TD3, its ``RLModule``),
so checkpoints, Tune, the league and serving treat them like the built-in ones.
"""
