"""Environments: configurable Pac-Man (single and multi-agent) and the fighting arena."""
