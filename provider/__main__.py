"""The ecs-workloads plugin: serves the package's schema and constructs its components for the engine.

The Pulumi CLI runs this file (`python provider/ <engine address> ...`); the repository root's __main__.py is
the stack program, not the plugin. It starts the provider the way pulumi.provider.experimental's
component_provider_host does, with the package's own provider class, which that helper cannot take.
"""

import sys

import pulumi.provider

from ecs_workloads.package_provider import EcsWorkloadsProvider

if __name__ == "__main__":
    pulumi.provider.main(EcsWorkloadsProvider(), sys.argv[1:])
