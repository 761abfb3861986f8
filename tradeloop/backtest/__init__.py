"""Backtests: a strategy run by the real engine over stored bars on a simulated clock, in a worker process."""
