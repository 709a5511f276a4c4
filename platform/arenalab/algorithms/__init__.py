"""RLlib new-API-stack algorithms that RLlib 2.60 does not ship: A2C and TD3.

Each is built like RLlib's own: an ``AlgorithmConfig`` subclass, an ``Algorithm``
subclass and a torch ``Learner`` with its loss (plus, for TD3, its ``RLModule``),
so checkpoints, Tune, the league and serving treat them like the built-in ones.
"""
