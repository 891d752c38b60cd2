"""Composition: reads a stack's settings and builds the reference system from the components."""
