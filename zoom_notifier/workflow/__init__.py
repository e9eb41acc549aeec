"""The steps of the workflow, one module each, as plain async functions over the small Protocols
of :mod:`~zoom_notifier.workflow.ports` (templates, meetings table, Zoom, Slack).

Handlers give them the real clients (:mod:`zoom_notifier.services`); tests and the local runner
give them stand-ins. Every step is idempotent for its (date, template): rerunning it never
creates a second meeting nor posts a second announcement.
"""
