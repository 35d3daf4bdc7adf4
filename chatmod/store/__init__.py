"""chatmod's history: every message and every ledger event in one SQLite file."""

from chatmod.store.db import NotOurs, SessionRow, Store, StoreError

__all__ = ["NotOurs", "SessionRow", "Store", "StoreError"]
