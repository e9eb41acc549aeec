"""Seed-style handlers: what the same three steps look like written the plain way, with boto3
and urllib, clients created at import. The benchmark's baseline, never shipped."""
