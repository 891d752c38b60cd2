"""Operator commands for a deployed ecs-workloads stack: run jobs, pause schedules, restart and scale
services, inspect and redrive queues. Run as `ecs-workloads` or `python -m ecs_workloads.ops`."""
