"""Conversation and action handlers: neutral events in, workflow calls, neutral replies out."""
