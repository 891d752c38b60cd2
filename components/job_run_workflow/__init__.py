"""A job run as a Step Functions workflow: the task count from a queue's backlog, up to 50 tasks, retries of
failed tasks and an alert for a run that failed."""

from .args import JOB_RUN_WORKFLOW_ARGS, JOB_RUN_WORKFLOW_NAMES, JobRunWorkflowArgs, validate_job_run_workflow_args
from .component import JobRunWorkflow
from .definition import count_expression, definition

__all__ = [
    "JOB_RUN_WORKFLOW_ARGS",
    "JOB_RUN_WORKFLOW_NAMES",
    "JobRunWorkflow",
    "JobRunWorkflowArgs",
    "count_expression",
    "definition",
    "validate_job_run_workflow_args",
]
