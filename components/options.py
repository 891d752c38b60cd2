"""Resource options every component uses for its children."""

from __future__ import annotations

import pulumi


def child(parent: pulumi.Resource, **extra) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)


def stateful(parent: pulumi.Resource, protect_data: bool, **extra) -> pulumi.ResourceOptions:
    """Buckets, queues, log groups and repositories hold data that a `pulumi destroy` must not lose
    when the stack protects data: protect blocks deletion, retain_on_delete keeps the cloud object
    even if someone unprotects and deletes the resource from the stack."""
    return pulumi.ResourceOptions(parent=parent, protect=protect_data, retain_on_delete=protect_data, **extra)
