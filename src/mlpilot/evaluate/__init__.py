"""Metrics, leaderboard and explanations."""
