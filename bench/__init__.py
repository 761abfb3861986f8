"""Benchmarks of the engine, the HTTP edge, the order book, streams, recovery and memory.

Run them all with `./run_bench.sh` (or `python -m bench`); `--quick` runs tiny sizes.
Every figure is printed next to a baseline measured in the same run, so ratios
hold on a noisy machine.
"""
