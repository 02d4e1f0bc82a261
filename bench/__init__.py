"""Benchmarks of what users wait for, each against a baseline measured in the same run."""
