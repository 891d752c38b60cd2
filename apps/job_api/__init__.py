"""The job API: create, change, suspend and remove scheduled ECS jobs at run time over JSON REST.

Each job is an EventBridge Scheduler schedule; no process of this app runs the jobs itself.
"""

from .app import create_app

__all__ = ["create_app"]
