"""Provides what runs a chat: a source into the runtime, and the runtime's log into the database."""
