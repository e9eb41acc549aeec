"""Embedded stand-ins for running the whole service on one machine, without an AWS account.

Used by the local run and by the tests; never shipped in the Lambda artifact (it needs moto,
a development dependency).
"""
