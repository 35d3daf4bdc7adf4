"""Provides where messages come from over time: replayed archives (live sources come later)."""
