"""The process: config, CLI, composition, scheduler wiring, platform adapters and rendering."""
