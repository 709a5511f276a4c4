"""Real-time inference: ``/api/act``, ``/api/v1/act`` and the policy deployment behind them."""
