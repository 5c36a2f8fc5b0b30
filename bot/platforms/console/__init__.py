"""The console platform: a terminal chat for trying the desk and scripting sessions."""
