"""Provides where chatmod keeps its files by default: the platform's data and config directories.

Kept apart (and light) so that the command line can name them in ``--help`` without loading
the modules that read those files.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_chats_path", "default_db_path"]


def default_db_path() -> Path:
    """Where chatmod keeps its history unless told otherwise: the platform's data directory."""
    import platformdirs

    return platformdirs.user_data_path("chatmod", appauthor=False) / "chatmod.db"


def default_chats_path() -> Path:
    """Where the chat definitions live: ``chats.toml`` in the platform's config directory."""
    import platformdirs

    return platformdirs.user_config_path("chatmod", appauthor=False) / "chats.toml"
