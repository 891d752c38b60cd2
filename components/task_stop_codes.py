"""How an ECS task's stop says whether its run did its work; shared by the failed-run alert and the CLI.

Plain data with no Pulumi import, so the operator CLI can read it without loading the provider SDKs.
"""

# Stop codes of a run that did not finish its work even if the container reported exit code 0
# (ECS API Reference, Task.stopCode).
FAILED_STOP_CODES = ("TaskFailedToStart", "SpotInterruption")
