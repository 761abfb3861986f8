"""The strategy language: definitions as data, incremental indicators, rules, and one run per strategy and symbol.

Pure and synchronous like `tradeloop.core`: the live host and the backtests drive the same code.
"""
