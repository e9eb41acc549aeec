"""What only a person runs, on a laptop: the ``zoom-notifier`` command and its subcommands
(check, calendar, validate-template, rerun, repost). Never shipped to Lambda.
"""
