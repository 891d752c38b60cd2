"""Offline plan: runs the program for a stack under mocks and shows what `pulumi up` would create."""
