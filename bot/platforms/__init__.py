"""Chat platform adapters; each folder translates between one platform and the neutral types."""
