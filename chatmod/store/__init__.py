"""chatmod's history: every message and every ledger event in one SQLite file."""

from chatmod.store.db import SessionRow, Store, StoreError

__all__ = ["SessionRow", "Store", "StoreError"]
