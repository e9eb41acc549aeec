"""The inbound door: what the service answers from outside (Slack's slash commands, Zoom's
event notifications).

Every request is authenticated before its body is read for anything else
(:mod:`.request_signature`); a refusal is a bare status, and neither the body nor a secret is
ever logged. The Lambda Function URL's event and response are :mod:`.function_url`'s; the
command's form is :mod:`.slash_command`'s, Zoom's events :mod:`.zoom_event`'s.
"""
