"""The hook benchmark: `make bench` (see docs/BENCHMARKS.md)."""
