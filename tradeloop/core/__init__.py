"""The pure domain: money, instruments, orders, fills, positions. No I/O here."""
