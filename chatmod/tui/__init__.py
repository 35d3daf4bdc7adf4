"""Provides the host's console: a Textual app over the engine (``chatmod demo``, ``chatmod watch``).

Importing this package loads no Textual; :mod:`chatmod.tui.app` does.
"""
