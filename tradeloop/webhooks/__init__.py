"""Webhooks: account notifications sent to endpoints signed per Standard Webhooks, beside the actors, never inside them."""
