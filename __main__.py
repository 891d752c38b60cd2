"""ecs-workloads: one stack per environment (`pulumi up --stack dev|prod`)."""

from stack.config import load_settings
from stack.system import build_system, export_all

export_all(build_system(load_settings()))
