"""The demo city: a deterministic fictional water company for the quick start, tests and benchmarks."""
