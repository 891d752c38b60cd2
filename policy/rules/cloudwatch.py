"""CloudWatch: log groups expire their logs; alarms notify someone."""

from __future__ import annotations

from .framework import MANDATORY, ResourceView, StackContext, rule
from .resource_types import LOG_GROUP, METRIC_ALARM
from .values import as_list


# Security Hub CloudWatch.16 (any retention; the control's default minimum of 365 days is a cost choice).
@rule(
    "logs-retention-set",
    "CloudWatch log groups have a retention period (any; the control's 365-day default is a cost choice left "
    "to the stack).",
    enforcement=MANDATORY,
    resource_types=LOG_GROUP,
    control="Security Hub CloudWatch.16",
)
def check_log_retention(log_group: ResourceView, context: StackContext) -> list[str]:
    days = log_group.props.get("retentionInDays")
    if isinstance(days, int | float) and days > 0:
        return []
    return ["retentionInDays is not set: logs are kept (and billed) forever"]


# Security Hub CloudWatch.15; dev alarms may stay silent.
@rule(
    "cloudwatch-alarm-has-actions",
    "CloudWatch alarms notify someone.",
    enforcement=MANDATORY,
    resource_types=METRIC_ALARM,
    control="Security Hub CloudWatch.15",
    advisory_outside_production=True,
)
def check_alarm_actions(alarm: ResourceView, context: StackContext) -> list[str]:
    if alarm.props.get("actionsEnabled") is False:
        return ["actionsEnabled is false"]
    return [] if as_list(alarm.props.get("alarmActions")) else ["no alarmActions: the alarm notifies nobody"]
