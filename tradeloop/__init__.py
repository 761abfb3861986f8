"""tradeloop: a self-hosted, Alpaca-compatible paper-trading backend."""

__version__ = "0.1.0"
