"""The clients of the outside world, one module per service: Zoom, the Slack webhook and app,
the S3 templates, the DynamoDB meeting store, Secrets Manager, Step Functions, SNS, and the AWS
and HTTP plumbing they share. Each maps every answer of its service to :mod:`zoom_notifier.errors`.
"""
