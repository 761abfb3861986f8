"""Market-data feeds: simulated, manual and live sources behind one interface."""
