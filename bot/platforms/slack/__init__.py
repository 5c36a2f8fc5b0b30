"""The Slack platform: slack-bolt's AsyncApp in HTTP mode (uvicorn) or Socket Mode.

inbound.py turns payloads into neutral events (pure), outbound.py renders neutral replies as
Block Kit (pure), sender.py delivers the outbox, listeners.py holds the thin bolt listeners in
one table, platform.py builds and runs the app.
"""
