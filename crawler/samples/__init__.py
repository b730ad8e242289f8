"""Sample portals: generator, ground truth and server (the demo and tests use them)."""
