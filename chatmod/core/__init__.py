"""The pure heart of chatmod: messages and moderator actions in, events out.

Nothing here performs I/O, reads the clock, or imports Textual, websockets or aiosqlite; a test
enforces it. Live, replay, reports and the hub all run this same code.
"""
