"""What every route shares: the runtime, auth, errors, limits, health and shutdown."""
