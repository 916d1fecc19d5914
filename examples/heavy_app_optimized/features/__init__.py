"""Feature handlers, each used by a minority of requests."""
