"""WebSocket streams: market data (/v2/iex, /v2/sip) and trade updates (/stream), in Alpaca's protocols."""
