"""Benchmarks of the gateway, run with `python -m bench`; see bench/README.md.

Not part of the test run: they measure, side by side in one run, and
assert nothing.
"""
