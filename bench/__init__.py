"""Benchmarks for Deskbot (`make bench`): they print figures and never assert timings."""
