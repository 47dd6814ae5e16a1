"""Throughput benchmarks that report a ratio against a baseline measured in the same run."""
