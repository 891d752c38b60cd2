"""The Pulumi mock harness: evaluates the program, or one component, offline and records every registration.

The only package that reaches into the Pulumi SDK's internals (its mock monitor, settings and RPC
serialisation); the offline plan, the guardrails, the benches and the tests all run programs through it.
"""
