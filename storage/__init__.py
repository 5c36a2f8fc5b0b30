"""Persistence: the schema, its enums, the engine and session setup, and migrations."""
