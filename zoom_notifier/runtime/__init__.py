"""What every Lambda invocation runs on: settings, logs, the container's state, the invocation's
deadline, its connections, and the handler wrapper that ties them together.

Nothing here knows about meetings; the handlers, services and steps build on it.
"""
