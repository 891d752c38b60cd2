"""Step Functions: state machines log their runs, and keep the jobs' data out of those logs."""

from __future__ import annotations

from .framework import ADVISORY, MANDATORY, ResourceView, StackContext, rule
from .resource_types import STATE_MACHINE
from .values import get

LOGGING_LEVELS = ("ALL", "ERROR", "FATAL")
"""LogLevel values other than OFF (Step Functions API reference, LoggingConfiguration); AWS Config's
step-functions-state-machine-logging-enabled takes the same three as its minimum level."""


# Security Hub StepFunctions.1 and Control Tower CT.STEPFUNCTIONS.PR.1: "set Level to ERROR or ALL, and set
# Destinations to ... CloudWatch Logs log group ARNs".
@rule(
    "stepfunctions-logging-enabled",
    "Step Functions state machines log to CloudWatch Logs at level ALL, ERROR or FATAL.",
    enforcement=MANDATORY,
    resource_types=STATE_MACHINE,
    control="Security Hub StepFunctions.1",
)
def check_state_machine_logging(state_machine: ResourceView, context: StackContext) -> list[str]:
    logging = state_machine.props.get("loggingConfiguration") or {}
    problems = []
    level = get(logging, "level")
    if level not in LOGGING_LEVELS:
        problems.append(f"loggingConfiguration.level is {level or 'not set'}: failed runs leave no log")
    if not get(logging, "logDestination"):
        problems.append("loggingConfiguration.logDestination is not set")
    return problems


# No AWS control. With includeExecutionData, every state's input and output is logged: a job's overrides
# (environment, commands) and the tasks' results would sit in a log group readable more widely than the API.
@rule(
    "stepfunctions-execution-data-not-logged",
    "Step Functions state machines do not log execution data (states' inputs and outputs).",
    enforcement=ADVISORY,
    resource_types=STATE_MACHINE,
    control="none",
)
def check_execution_data_not_logged(state_machine: ResourceView, context: StackContext) -> list[str]:
    logging = state_machine.props.get("loggingConfiguration") or {}
    if get(logging, "includeExecutionData") is True:
        return ["loggingConfiguration.includeExecutionData is true: job inputs and task results are logged"]
    return []
