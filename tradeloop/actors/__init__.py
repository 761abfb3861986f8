"""The runtime: actors that own state, one bounded queue each, one message at a time."""
