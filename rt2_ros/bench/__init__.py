"""Benchmarks run by `rt2-ros bench`; each prints a table."""
