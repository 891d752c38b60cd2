"""Guardrails for the ecs-workloads stacks: a Pulumi policy pack and the same rules run offline."""
