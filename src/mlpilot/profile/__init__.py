"""Summaries of a table: reference profile, quality and leakage warnings, HTML report."""
