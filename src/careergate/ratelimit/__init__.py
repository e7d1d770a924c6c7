"""Requests and tokens per minute per key, user, team, feature and model."""
