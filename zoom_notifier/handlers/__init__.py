"""Lambda entry points. Each module imports only what its step uses, to keep cold starts short."""
