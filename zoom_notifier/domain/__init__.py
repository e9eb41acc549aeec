"""The rules of the service as plain data and pure functions: the meeting template, the meeting
days, when a day is due, the records and results, the Slack messages.

No I/O happens here: nothing in this package talks to AWS, Zoom or Slack.
"""
