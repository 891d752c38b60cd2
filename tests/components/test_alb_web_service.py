from __future__ import annotations

import json

import pulumi
import pytest

from ecs_workloads.alb_web_service import TLS_POLICY, AlbWebService
from ecs_workloads.outputs import declared_outputs
from ecs_workloads.tags import takes_tags
from harness.program import run_callable

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"
SHARED = {
    "listener_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/abc/def",
    "load_balancer_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shared/abc",
    "load_balancer_arn_suffix": "app/shared/abc",
    "load_balancer_dns_name": "shared-123.us-east-1.elb.amazonaws.com",
    "load_balancer_security_group_id": "sg-0shared0000",
    "url": "https://apps.example.com",
}
BASE = {
    "cluster_name": "ecs-cluster",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/ecs-cluster",
    "placement": {
        "vpc_id": "vpc-0abc1234",
        "subnet_ids": ["subnet-0aaa1111", "subnet-0bbb2222"],
        "assign_public_ip": True,
    },
    "load_balancer_subnet_ids": ["subnet-0ccc3333", "subnet-0ddd4444"],
    "workload": {"image": "public.ecr.aws/docker/library/nginx:1.27", "port": 8080},
}

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SERVICE = "aws:ecs/service:Service"
POLICY = "aws:appautoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RECORD = "aws:route53/record:Record"


def _web(name="web", **args):
    """Runs the component; `holder["outputs"]` gets its resolved outputs."""
    holder = {}

    def program():
        service = AlbWebService(name, {**BASE, **args})
        holder["service"] = service
        pulumi.Output.all(
            url=service.url,
            dns=service.load_balancer_dns_name,
            lb_arn=service.load_balancer_arn,
            lb_suffix=service.load_balancer_arn_suffix,
            listeners=service.listener_arns,
            tg=service.target_group_arn,
            tg_suffix=service.target_group_arn_suffix,
            service_name=service.service_name,
            cluster_name=service.cluster_name,
            alb_sg=service.alb_security_group_id,
            tasks_sg=service.service_security_group_id,
            log_group=service.log_group_name,
            task_role=service.task_role_name,
        ).apply(lambda values: holder.__setitem__("outputs", values))

    return run_callable(program), holder


def _without(**removed):
    return {key: value for key, value in BASE.items() if key not in removed}


def _group_id(recording, name):
    return recording.one(SG, name).outputs["id"]


def _listener(recording, port):
    found = [r for r in recording.of_type(LISTENER) if r.inputs["port"] == port]
    assert len(found) == 1, [r.inputs for r in recording.of_type(LISTENER)]
    return found[0]


def _rejected(args, *fields):
    """Runs the component with bad args; returns the message after checking nothing was registered."""
    caught = {}

    def program():
        try:
            AlbWebService("web", args)
        except ValueError as error:
            caught["error"] = str(error)

    recording = run_callable(program)
    assert recording.registrations == []
    message = caught["error"]
    for field in fields:
        assert f"\n  {field}:" in message, message
    return message


# Listeners and TLS


def test_without_certificate_port_80_forwards_to_the_target_group():
    recording, holder = _web()
    assert len(recording.of_type(LISTENER)) == 1
    http = _listener(recording, 80)
    tg = recording.one(TG)
    assert http.inputs["protocol"] == "HTTP"
    assert http.inputs["defaultActions"] == [{"type": "forward", "targetGroupArn": tg.outputs["arn"]}]
    assert http.inputs["loadBalancerArn"] == recording.one(LB).outputs["arn"]
    outputs = holder["outputs"]
    assert outputs["url"] == f"http://{recording.one(LB).outputs['dnsName']}"
    assert outputs["listeners"] == {"http": http.outputs["arn"]}
    assert recording.of_type("aws:acm/certificate:Certificate") == []


def test_certificate_serves_https_and_redirects_http():
    recording, holder = _web(certificate_arn=CERT)
    https = _listener(recording, 443)
    assert https.inputs["protocol"] == "HTTPS"
    assert https.inputs["sslPolicy"] == TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https.inputs["certificateArn"] == CERT
    assert https.inputs["defaultActions"] == [{"type": "forward", "targetGroupArn": recording.one(TG).outputs["arn"]}]
    http = _listener(recording, 80)
    assert http.inputs["protocol"] == "HTTP"
    assert http.inputs["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    assert holder["outputs"]["url"] == f"https://{recording.one(LB).outputs['dnsName']}"
    assert set(holder["outputs"]["listeners"]) == {"http", "https"}
    # No certificate of its own when one is given.
    assert recording.of_type("aws:acm/certificate:Certificate") == []
    assert recording.of_type(RECORD) == []


def test_domain_and_zone_create_a_dns_validated_certificate_and_alias_record():
    recording, holder = _web(domain_name="cats.example.com", hosted_zone_id="Z0123456789ABCDEF")
    certificate = recording.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == "cats.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    option = certificate.outputs["domainValidationOptions"][0]
    record = recording.one(RECORD, "web-certificate-validation-record")
    assert record.inputs["zoneId"] == "Z0123456789ABCDEF"
    assert record.inputs["name"] == option["resourceRecordName"]
    assert record.inputs["type"] == option["resourceRecordType"] == "CNAME"
    assert record.inputs["records"] == [option["resourceRecordValue"]]
    validation = recording.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["certificateArn"] == certificate.outputs["arn"]
    assert validation.inputs["validationRecordFqdns"] == [record.outputs["fqdn"]]
    https = _listener(recording, 443)
    assert https.inputs["certificateArn"] == certificate.outputs["arn"]
    # The listener waits for the validation, not just for the certificate request.
    assert validation.urn in https.dependencies
    alias = recording.one(RECORD, "web-alias")
    alb = recording.one(LB)
    assert alias.inputs["name"] == "cats.example.com"
    assert alias.inputs["type"] == "A"
    assert alias.inputs["zoneId"] == "Z0123456789ABCDEF"
    assert alias.inputs["aliases"] == [
        {"name": alb.outputs["dnsName"], "zoneId": alb.outputs["zoneId"], "evaluateTargetHealth": True}
    ]
    assert _listener(recording, 80).inputs["defaultActions"][0]["type"] == "redirect"
    assert holder["outputs"]["url"] == "https://cats.example.com"


# Security groups


def test_tasks_admit_only_the_load_balancers_security_group_on_the_container_port():
    recording, holder = _web(certificate_arn=CERT)
    tasks_sg, alb_sg = _group_id(recording, "web-sg"), _group_id(recording, "web-alb-sg")
    into_tasks = [r for r in recording.of_type(INGRESS) if r.inputs["securityGroupId"] == tasks_sg]
    assert len(into_tasks) == 1
    rule = into_tasks[0].inputs
    assert rule["referencedSecurityGroupId"] == alb_sg
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 8080, 8080)
    assert "cidrIpv4" not in rule and "cidrIpv6" not in rule
    # The ALB's only egress is to the tasks, on the container port.
    out_of_alb = [r.inputs for r in recording.of_type(EGRESS) if r.inputs["securityGroupId"] == alb_sg]
    assert len(out_of_alb) == 1
    assert out_of_alb[0]["referencedSecurityGroupId"] == tasks_sg
    assert (out_of_alb[0]["fromPort"], out_of_alb[0]["toPort"]) == (8080, 8080)
    assert "egress" not in recording.one(SG, "web-alb-sg").inputs
    assert recording.one(LB).inputs["securityGroups"] == [alb_sg]
    assert holder["outputs"]["alb_sg"] == alb_sg and holder["outputs"]["tasks_sg"] == tasks_sg


def test_load_balancer_admits_only_the_allowed_cidrs():
    recording, _ = _web(certificate_arn=CERT, allowed_cidrs=["165.124.160.0/21", "2001:db8::/32"])
    alb_sg = _group_id(recording, "web-alb-sg")
    rules = [r.inputs for r in recording.of_type(INGRESS) if r.inputs["securityGroupId"] == alb_sg]
    seen = {(r["fromPort"], r.get("cidrIpv4") or r.get("cidrIpv6")) for r in rules}
    assert seen == {
        (80, "165.124.160.0/21"),
        (443, "165.124.160.0/21"),
        (80, "2001:db8::/32"),
        (443, "2001:db8::/32"),
    }
    assert len(rules) == 4
    assert all("referencedSecurityGroupId" not in r and r["ipProtocol"] == "tcp" for r in rules)


def test_public_load_balancer_defaults_to_the_internet_on_port_80_only_without_tls():
    recording, _ = _web()
    alb_sg = _group_id(recording, "web-alb-sg")
    rules = [r.inputs for r in recording.of_type(INGRESS) if r.inputs["securityGroupId"] == alb_sg]
    assert [(r["fromPort"], r["cidrIpv4"]) for r in rules] == [(80, "0.0.0.0/0")]
    assert recording.one(LB).inputs["internal"] is False


def test_internal_load_balancer_uses_the_given_subnets_and_cidrs():
    recording, _ = _web(
        internal=True, allowed_cidrs=["10.0.0.0/16"], load_balancer_subnet_ids=["subnet-01", "subnet-02"]
    )
    alb = recording.one(LB)
    assert alb.inputs["internal"] is True
    assert alb.inputs["subnets"] == ["subnet-01", "subnet-02"]
    alb_sg = _group_id(recording, "web-alb-sg")
    rules = [r.inputs for r in recording.of_type(INGRESS) if r.inputs["securityGroupId"] == alb_sg]
    assert [r["cidrIpv4"] for r in rules] == ["10.0.0.0/16"]


def test_database_security_group_admits_the_service_tasks():
    recording, _ = _web(
        database_access=[
            {"security_group_id": "sg-0rds000001", "port": 3306, "description": "Inbound access from ECS"},
            {"security_group_id": "sg-0pg0000002", "port": 5432},
        ]
    )
    tasks_sg = _group_id(recording, "web-sg")
    mysql = recording.one(INGRESS, "web-db-access-0").inputs
    assert mysql["securityGroupId"] == "sg-0rds000001"
    assert mysql["referencedSecurityGroupId"] == tasks_sg
    assert (mysql["ipProtocol"], mysql["fromPort"], mysql["toPort"]) == ("tcp", 3306, 3306)
    assert mysql["description"] == "Inbound access from ECS"
    postgres = recording.one(INGRESS, "web-db-access-1").inputs
    assert (postgres["securityGroupId"], postgres["fromPort"]) == ("sg-0pg0000002", 5432)
    assert postgres["description"] == "From web tasks"


# Load balancer


def test_load_balancer_drops_invalid_headers_and_protects_itself_with_the_data():
    recording, _ = _web(idle_timeout=120, access_logs_bucket="logs-bucket", access_logs_prefix="alb")
    alb = recording.one(LB).inputs
    assert alb["loadBalancerType"] == "application"
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["enableDeletionProtection"] is False
    assert alb["idleTimeout"] == 120
    assert alb["subnets"] == BASE["load_balancer_subnet_ids"]
    assert alb["accessLogs"] == {"bucket": "logs-bucket", "prefix": "alb", "enabled": True}

    protected, _ = _web(protect_data=True)
    assert protected.one(LB).inputs["enableDeletionProtection"] is True
    assert protected.one(LB).inputs["idleTimeout"] == 60
    assert "accessLogs" not in protected.one(LB).inputs
    log_group = protected.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.protect and log_group.retain_on_delete


def test_target_group_health_check_and_deregistration_delay_as_given():
    recording, _ = _web(
        health_check_path="/health",
        health_check_matcher="200",
        health_check_interval=15,
        healthy_threshold=3,
        unhealthy_threshold=4,
        health_check_timeout=6,
        deregistration_delay=10,
        stickiness_duration=3600,
    )
    tg = recording.one(TG).inputs
    assert (tg["targetType"], tg["port"], tg["protocol"], tg["vpcId"]) == ("ip", 8080, "HTTP", "vpc-0abc1234")
    assert tg["deregistrationDelay"] == 10
    check = tg["healthCheck"]
    assert check["path"] == "/health" and check["matcher"] == "200"
    assert (check["interval"], check["healthyThreshold"], check["unhealthyThreshold"], check["timeout"]) == (
        15,
        3,
        4,
        6,
    )
    assert tg["stickiness"] == {"type": "lb_cookie", "cookieDuration": 3600, "enabled": True}


def test_target_group_defaults():
    recording, _ = _web()
    tg = recording.one(TG).inputs
    assert tg["deregistrationDelay"] == 30
    check = tg["healthCheck"]
    assert (check["path"], check["matcher"]) == ("/", "200-399")
    assert (check["interval"], check["healthyThreshold"], check["unhealthyThreshold"], check["timeout"]) == (
        10,
        2,
        3,
        5,
    )
    assert "stickiness" not in tg


def test_path_patterns_on_its_own_load_balancer_answer_404_elsewhere():
    recording, _ = _web(path_patterns=["/cats*"], certificate_arn=CERT)
    https = _listener(recording, 443)
    assert https.inputs["defaultActions"] == [
        {
            "type": "fixed-response",
            "fixedResponse": {"contentType": "text/plain", "messageBody": "Not found", "statusCode": "404"},
        }
    ]
    rule = recording.one(RULE).inputs
    assert rule["listenerArn"] == https.outputs["arn"]
    assert rule["priority"] == 100
    assert rule["conditions"] == [{"pathPattern": {"values": ["/cats*"]}}]
    assert rule["actions"] == [{"type": "forward", "targetGroupArn": recording.one(TG).outputs["arn"]}]


def test_shared_listener_adds_a_path_rule_and_creates_no_load_balancer():
    recording, holder = _shared_web()
    assert recording.of_type(LB) == [] and recording.of_type(LISTENER) == []
    assert [r.name for r in recording.of_type(SG)] == ["web-sg"]
    rule = recording.one(RULE).inputs
    assert rule["listenerArn"] == SHARED["listener_arn"]
    assert rule["priority"] == 20
    assert rule["conditions"] == [{"pathPattern": {"values": ["/cats*", "/kittens*"]}}]
    assert rule["actions"] == [{"type": "forward", "targetGroupArn": recording.one(TG).outputs["arn"]}]
    tasks_sg = _group_id(recording, "web-sg")
    egress = recording.one(EGRESS, "web-alb-to-tasks").inputs
    assert egress["securityGroupId"] == SHARED["load_balancer_security_group_id"]
    assert egress["referencedSecurityGroupId"] == tasks_sg
    ingress = recording.one(INGRESS, "web-tasks-from-alb").inputs
    assert ingress["referencedSecurityGroupId"] == SHARED["load_balancer_security_group_id"]
    label = recording.one(POLICY, "web-scale-requests").inputs["targetTrackingScalingPolicyConfiguration"]
    tg_suffix = recording.one(TG).outputs["arnSuffix"]
    assert label["predefinedMetricSpecification"]["resourceLabel"] == f"app/shared/abc/{tg_suffix}"
    assert recording.one(ALARM, "web-unhealthy-tasks").inputs["dimensions"] == {
        "TargetGroup": tg_suffix,
        "LoadBalancer": "app/shared/abc",
    }
    service = recording.one(SERVICE)
    assert recording.one(RULE).urn in service.dependencies
    outputs = holder["outputs"]
    assert outputs["url"] == "https://apps.example.com"
    assert outputs["lb_arn"] == SHARED["load_balancer_arn"]
    assert outputs["alb_sg"] == SHARED["load_balancer_security_group_id"]
    assert outputs["listeners"] == {}


def _shared_web():
    args = {key: value for key, value in BASE.items() if key != "load_balancer_subnet_ids"}
    holder = {}

    def program():
        service = AlbWebService(
            "web",
            {
                **args,
                "shared_listener": SHARED,
                "path_patterns": ["/cats*", "/kittens*"],
                "priority": 20,
                "autoscaling": {"min_tasks": 1, "max_tasks": 3, "requests_per_target": 200},
                "alarm_topic_arn": TOPIC,
            },
        )
        pulumi.Output.all(
            url=service.url,
            lb_arn=service.load_balancer_arn,
            alb_sg=service.alb_security_group_id,
            listeners=service.listener_arns,
        ).apply(lambda values: holder.__setitem__("outputs", values))

    return run_callable(program), holder


def test_a_second_service_joins_the_first_ones_load_balancer():
    def program():
        cats = AlbWebService("cats", {**BASE, "path_patterns": ["/cats*"], "priority": 10, "certificate_arn": CERT})
        AlbWebService(
            "dogs",
            {
                **_without(load_balancer_subnet_ids=True),
                "shared_listener": cats.shared_listener(),
                "path_patterns": ["/dogs*"],
                "priority": 20,
            },
        )

    recording = run_callable(program)
    assert len(recording.of_type(LB)) == 1
    https = _listener(recording, 443)
    rules = {r.name: r.inputs for r in recording.of_type(RULE)}
    assert rules["cats-rule"]["listenerArn"] == rules["dogs-rule"]["listenerArn"] == https.outputs["arn"]
    assert rules["dogs-rule"]["conditions"] == [{"pathPattern": {"values": ["/dogs*"]}}]
    assert rules["dogs-rule"]["actions"][0]["targetGroupArn"] == recording.one(TG, "dogs-tg").outputs["arn"]
    alb_sg = _group_id(recording, "cats-alb-sg")
    dogs_egress = recording.one(EGRESS, "dogs-alb-to-tasks").inputs
    assert dogs_egress["securityGroupId"] == alb_sg
    assert dogs_egress["referencedSecurityGroupId"] == _group_id(recording, "dogs-sg")
    assert recording.duplicate_urns() == []


# Service


def test_service_rolls_back_failed_deployments_and_waits_for_its_listener():
    recording, holder = _web(
        certificate_arn=CERT,
        placement={**BASE["placement"], "assign_public_ip": False},
        deployment={
            "desired_count": 3,
            "min_healthy_percent": 50,
            "max_percent": 150,
            "capacity": {"fargate": 1, "fargate_spot": 3, "base": 1},
        },
        health_check_grace_period_seconds=90,
        workload={**BASE["workload"], "enable_execute_command": True},
    )
    service = recording.one(SERVICE)
    inputs = service.inputs
    assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert inputs["desiredCount"] == 3
    assert (inputs["deploymentMinimumHealthyPercent"], inputs["deploymentMaximumPercent"]) == (50, 150)
    assert inputs["healthCheckGracePeriodSeconds"] == 90
    assert inputs["enableExecuteCommand"] is True
    assert inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    network = inputs["networkConfiguration"]
    assert network["assignPublicIp"] is False
    assert network["subnets"] == BASE["placement"]["subnet_ids"]
    assert network["securityGroups"] == [_group_id(recording, "web-sg")]
    assert inputs["loadBalancers"] == [
        {"targetGroupArn": recording.one(TG).outputs["arn"], "containerName": "app", "containerPort": 8080}
    ]
    for listener in recording.of_type(LISTENER):
        assert listener.urn in service.dependencies
    assert service.ignore_changes == ()
    assert recording.of_type("aws:appautoscaling/target:Target") == []
    assert recording.one("aws:iam/rolePolicy:RolePolicy", "web-task-exec")
    assert holder["outputs"]["service_name"] == service.outputs["name"]
    assert holder["outputs"]["cluster_name"] == "ecs-cluster"
    assert holder["outputs"]["task_role"] == recording.one("aws:iam/role:Role", "web-task-role").outputs["name"]
    assert holder["outputs"]["log_group"] == recording.one("aws:cloudwatch/logGroup:LogGroup").outputs["name"]


def test_service_defaults_health_check_grace_and_public_ip_from_placement():
    recording, _ = _web()
    inputs = recording.one(SERVICE).inputs
    assert inputs["healthCheckGracePeriodSeconds"] == 30
    assert inputs["networkConfiguration"]["assignPublicIp"] is True
    assert inputs["desiredCount"] == 1
    container = json.loads(recording.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])[0]
    assert container["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]


def test_autoscaling_tracks_cpu_and_requests_and_owns_the_desired_count():
    recording, _ = _web(
        autoscaling={
            "min_tasks": 2,
            "max_tasks": 6,
            "cpu_target_percent": 60,
            "requests_per_target": 500,
            "scale_in_cooldown": 120,
            "scale_out_cooldown": 30,
        }
    )
    service = recording.one(SERVICE)
    assert service.ignore_changes == ("desiredCount",)
    assert service.inputs["desiredCount"] == 2
    target = recording.one("aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
    assert target["resourceId"] == f"service/ecs-cluster/{service.outputs['name']}"
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    cpu = recording.one(POLICY, "web-scale-cpu").inputs
    assert cpu["policyType"] == "TargetTrackingScaling"
    assert cpu["resourceId"] == target["resourceId"]
    cpu_config = cpu["targetTrackingScalingPolicyConfiguration"]
    assert cpu_config["targetValue"] == 60
    assert cpu_config["predefinedMetricSpecification"] == {"predefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert (cpu_config["scaleInCooldown"], cpu_config["scaleOutCooldown"]) == (120, 30)
    requests = recording.one(POLICY, "web-scale-requests").inputs["targetTrackingScalingPolicyConfiguration"]
    assert requests["targetValue"] == 500
    label = f"{recording.one(LB).outputs['arnSuffix']}/{recording.one(TG).outputs['arnSuffix']}"
    assert requests["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": label,
    }


def test_autoscaling_with_cpu_only_creates_one_policy_and_keeps_a_given_desired_count():
    recording, _ = _web(
        deployment={"desired_count": 3}, autoscaling={"min_tasks": 2, "max_tasks": 4, "cpu_target_percent": 50}
    )
    assert [r.name for r in recording.of_type(POLICY)] == ["web-scale-cpu"]
    assert recording.one(SERVICE).inputs["desiredCount"] == 3


# Alarms


def test_alarms_watch_target_5xx_rate_and_unhealthy_tasks():
    recording, _ = _web(alarm_topic_arn=TOPIC, error_rate_alarm_percent=2.5)
    dimensions = {
        "TargetGroup": recording.one(TG).outputs["arnSuffix"],
        "LoadBalancer": recording.one(LB).outputs["arnSuffix"],
    }
    rate = recording.one(ALARM, "web-5xx-rate").inputs
    assert rate["alarmActions"] == [TOPIC] and rate["okActions"] == [TOPIC]
    assert rate["threshold"] == 2.5
    assert rate["comparisonOperator"] == "GreaterThanThreshold"
    assert rate["treatMissingData"] == "notBreaching"
    queries = {q["id"]: q for q in rate["metricQueries"]}
    assert queries["errors"]["metric"]["metricName"] == "HTTPCode_Target_5XX_Count"
    assert queries["requests"]["metric"]["metricName"] == "RequestCount"
    for metric_id in ("errors", "requests"):
        metric = queries[metric_id]["metric"]
        assert metric["dimensions"] == dimensions
        assert (metric["namespace"], metric["stat"]) == ("AWS/ApplicationELB", "Sum")
        assert queries[metric_id]["returnData"] is False
    assert queries["rate"]["expression"] == "100 * FILL(errors, 0) / requests"
    assert queries["rate"]["returnData"] is True
    unhealthy = recording.one(ALARM, "web-unhealthy-tasks").inputs
    assert unhealthy["metricName"] == "UnHealthyHostCount"
    assert unhealthy["namespace"] == "AWS/ApplicationELB"
    assert unhealthy["dimensions"] == dimensions
    assert (unhealthy["comparisonOperator"], unhealthy["threshold"]) == ("GreaterThanThreshold", 0)
    assert unhealthy["treatMissingData"] == "notBreaching"
    assert unhealthy["alarmActions"] == [TOPIC]


def test_without_a_topic_the_alarms_only_guard_deployments():
    recording, _ = _web()
    alarms = recording.of_type(ALARM)
    assert sorted(alarm.name for alarm in alarms) == ["web-5xx-rate", "web-unhealthy-tasks"]
    assert all("alarmActions" not in alarm.inputs and "okActions" not in alarm.inputs for alarm in alarms)
    names = sorted(alarm.outputs["name"] for alarm in alarms)
    assert sorted(recording.one(SERVICE, "web-service").inputs["alarms"]["alarmNames"]) == names


def test_no_alarms_without_a_topic_and_alarm_rollback():
    recording, _ = _web(deployment_strategy={"rollback_on_alarm": False})
    assert recording.of_type(ALARM) == []
    assert "alarms" not in recording.one(SERVICE, "web-service").inputs


# Validation: one error naming every problem, and nothing registered


def test_bad_load_balancer_arguments_are_rejected_together():
    message = _rejected(
        {
            **BASE,
            "certificate_arn": "not-an-arn",
            "domain_name": "Cats Example",
            "allowed_cidrs": ["10.0.0.1/16", "0.0.0.0/0", "0.0.0.0/0"],
            "idle_timeout": 0,
            "priority": 7,
            "path_patterns": ["cats*"],
            "load_balancer_subnet_ids": ["subnet-only-one"],
            "access_logs_prefix": "alb",
        },
        "certificate_arn",
        "domain_name",
        "hosted_zone_id",
        "allowed_cidrs",
        "idle_timeout",
        "path_patterns",
        "load_balancer_subnet_ids",
        "access_logs_prefix",
    )
    assert "give certificate_arn or domain_name, not both" in message
    assert "'10.0.0.1/16'" in message and "a non-empty list of distinct CIDR blocks with no host bits set" in message
    assert message.startswith("invalid AlbWebService arguments:")


def test_zone_without_domain_and_internal_without_cidrs_are_rejected():
    message = _rejected({**BASE, "hosted_zone_id": "Z0123456789", "internal": True}, "hosted_zone_id", "allowed_cidrs")
    assert "only with domain_name" in message
    assert "required for an internal load balancer" in message


def test_shared_listener_rejects_own_load_balancer_options_and_needs_a_path_rule():
    message = _rejected(
        {
            **BASE,
            "shared_listener": {**SHARED, "listener": "x"},
            "certificate_arn": CERT,
            "allowed_cidrs": ["0.0.0.0/0"],
        },
        "shared_listener.listener",
        "load_balancer_subnet_ids",
        "certificate_arn",
        "allowed_cidrs",
        "path_patterns",
        "priority",
    )
    assert "belongs to the load balancer's owner" in message
    incomplete = {k: v for k, v in SHARED.items() if k != "load_balancer_security_group_id"}
    _rejected(
        {
            **_without(load_balancer_subnet_ids=True),
            "shared_listener": incomplete,
            "path_patterns": ["/x*"],
            "priority": 0,
        },
        "shared_listener.load_balancer_security_group_id",
        "priority",
    )


def test_bad_target_group_and_service_arguments_are_rejected():
    _rejected(
        {
            **BASE,
            "health_check_path": "health",
            "health_check_matcher": "ok",
            "health_check_interval": 5,
            "health_check_timeout": 5,
            "healthy_threshold": 1,
            "deregistration_delay": -1,
            "stickiness_duration": 0,
            "health_check_grace_period_seconds": "30",
            "deployment": {"desired_count": -1, "max_percent": 300},
            "error_rate_alarm_percent": 0,
        },
        "health_check_path",
        "health_check_matcher",
        "health_check_timeout",
        "healthy_threshold",
        "deregistration_delay",
        "stickiness_duration",
        "health_check_grace_period_seconds",
        "deployment.desired_count",
        "deployment.max_percent",
        "error_rate_alarm_percent",
    )


def test_bad_autoscaling_is_rejected():
    message = _rejected(
        {**BASE, "autoscaling": {"min_tasks": 4, "max_tasks": 2}, "deployment": {"desired_count": 9}},
        "autoscaling.max_tasks",
        "autoscaling",
        "deployment.desired_count",
    )
    assert "at least min_tasks (4)" in message
    assert "give cpu_target_percent, requests_per_target or both" in message
    _rejected(
        {**BASE, "autoscaling": {"min_tasks": 0, "max_tasks": 2, "cpu_target_percent": 150, "scale_in": 5}},
        "autoscaling.min_tasks",
        "autoscaling.cpu_target_percent",
        "autoscaling.scale_in",
    )


def test_workload_placement_and_required_arguments_are_checked():
    message = _rejected(
        {
            "cluster_arn": BASE["cluster_arn"],
            "placement": {"vpc_id": "vpc-0abc1234", "subnet_ids": ["subnet-1"]},
            "load_balancer_subnet_ids": BASE["load_balancer_subnet_ids"],
            "workload": {"image": "nginx:1", "vpc_id": "vpc-other", "cpu": 300},
            "database_access": [{"security_group_id": "sg-1", "port": 0}],
            "colour": "blue",
        },
        "cluster_name",
        "placement.assign_public_ip",
        "workload.vpc_id",
        "workload.port",
        "workload.cpu",
        "database_access[0].port",
        "colour",
    )
    assert "comes from placement" in message


def test_validation_helper_accepts_tls_and_shared_configurations():
    # The same checks pass for every configuration the resource tests use.
    from ecs_workloads.alb_web_service import validate_alb_web_service_args

    validate_alb_web_service_args({**BASE, "domain_name": "cats.example.com", "hosted_zone_id": "Z0123456789"})
    validate_alb_web_service_args(
        {**_without(load_balancer_subnet_ids=True), "shared_listener": SHARED, "path_patterns": ["/a*"], "priority": 1}
    )
    with pytest.raises(ValueError, match="autoscaling"):
        validate_alb_web_service_args({**BASE, "autoscaling": {"min_tasks": 1, "max_tasks": 1}})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"placement": "public"}, "placement"),
        ({"placement": {**BASE["placement"], "subnet_ids": "subnet-0abc1234"}}, "placement.subnet_ids"),
        ({"placement": {**BASE["placement"], "vpc_id": 5}}, "placement.vpc_id"),
        ({"workload": "image"}, "workload"),
        ({"workload": {**BASE["workload"], "cpu": {"units": 256}}}, "workload.cpu"),
        ({"deployment": ["x"]}, "deployment"),
        ({"deployment": {"capacity": "spot"}}, "deployment.capacity"),
        ({"autoscaling": 4}, "autoscaling"),
        ({"shared_listener": "listener"}, "shared_listener"),
        ({"database_access": ["sg-1"]}, "database_access[0]"),
        ({"load_balancer_subnet_ids": [1, 2]}, "load_balancer_subnet_ids"),
        ({"allowed_cidrs": [5]}, "allowed_cidrs"),
        ({"alarm_topic_arn": "alarms"}, "alarm_topic_arn"),
        ({"alarm_topic_arn": [TOPIC]}, "alarm_topic_arn"),
    ],
)
def test_wrongly_typed_arguments_raise_a_value_error_naming_the_field(changes, field):
    _rejected({**BASE, **changes}, field)


def test_arguments_that_are_not_a_mapping_raise_a_value_error():
    _rejected(["x"], "arguments")


# Tags, outputs and the embedded workload


def test_every_taggable_child_carries_the_tags_and_tasks_get_them_from_the_task_definition():
    def program():
        AlbWebService(
            "web",
            {
                **BASE,
                "domain_name": "cats.example.com",
                "hosted_zone_id": "Z0123456789ABCDEF",
                "path_patterns": ["/cats*"],
                "autoscaling": {"min_tasks": 1, "max_tasks": 2, "cpu_target_percent": 50},
                "database_access": [{"security_group_id": "sg-0rds000001", "port": 5432}],
                "alarm_topic_arn": TOPIC,
                "tags": {"team": "cats", "cost-centre": "42"},
            },
        )

    recording = run_callable(program)
    taggable = [r for r in recording.registrations if r.custom and takes_tags(r.type)]
    assert {r.type for r in taggable} >= {LB, LISTENER, RULE, TG, SG, INGRESS, EGRESS, SERVICE, ALARM}
    for registration in taggable:
        assert registration.inputs.get("tags", {}).items() >= {"team": "cats", "cost-centre": "42"}.items(), (
            registration.type,
            registration.name,
        )
    service = recording.one(SERVICE).inputs
    assert (service["propagateTags"], service["enableEcsManagedTags"]) == ("TASK_DEFINITION", True)


def test_the_workload_takes_protect_data_from_the_service_only():
    message = _rejected({**BASE, "workload": {**BASE["workload"], "protect_data": True}}, "workload.protect_data")
    assert "set protect_data on the component itself; remove it here" in message


def test_every_declared_output_is_registered(monkeypatch):
    registered = {}
    monkeypatch.setattr(AlbWebService, "register_outputs", lambda self, outputs: registered.update(outputs))
    recording, holder = _web(certificate_arn=CERT)
    assert set(registered) == set(declared_outputs(AlbWebService))
    assert {"target_group_arn_suffix", "listener_arns", "task_role_arn", "security_group_id"} <= set(registered)
    tg = recording.one(TG)
    assert holder["outputs"]["tg_suffix"] == tg.outputs["arnSuffix"]
    assert holder["outputs"]["tasks_sg"] == _group_id(recording, "web-sg")
    assert holder["service"].workload.security_group_id is holder["service"].security_group_id


def test_two_spellings_of_one_network_are_one_cidr_listed_twice():
    message = _rejected({**BASE, "allowed_cidrs": ["2001:db8::/32", "2001:DB8::/32"]}, "allowed_cidrs")
    assert "distinct CIDR blocks" in message


@pytest.mark.parametrize("matcher", ["100", "200-500", "302,503", "399-200", "600"])
def test_health_check_codes_outside_what_an_alb_accepts_are_refused(matcher):
    # Matcher.HttpCode (elbv2 model): an Application Load Balancer takes codes from 200 to 499.
    message = _rejected({**BASE, "health_check_matcher": matcher}, "health_check_matcher")
    assert (
        f"health_check_matcher: {matcher!r} — HTTP codes from 200 to 499 such as 200, 200,204 or 200-399, "
        "ranges low-high" in message
    )


@pytest.mark.parametrize("matcher", ["200", "200,204", "200-499", "200-299,404"])
def test_health_check_codes_an_alb_accepts_reach_the_target_group(matcher):
    recording, _ = _web(health_check_matcher=matcher)
    assert recording.one(TG).inputs["healthCheck"]["matcher"] == matcher


def test_the_longest_name_gives_load_balancer_and_target_group_names_aws_accepts():
    from ecs_workloads.name_limits import NAME_LIMITS

    recording, _ = _web(name="w" * 20)
    autonamed = {r.name: r.outputs["name"] for r in recording.registrations if r.type in NAME_LIMITS}
    # elbv2 CreateLoadBalancer / CreateTargetGroup: at most 32 characters, Pulumi's 8-character suffix included.
    assert (len(autonamed[f"{'w' * 20}-alb"]), len(autonamed[f"{'w' * 20}-tg"])) == (32, 31)
    assert [
        r.name
        for r in recording.registrations
        if r.type in NAME_LIMITS and len(r.outputs["name"]) > NAME_LIMITS[r.type].limit
    ] == []


def test_a_name_too_long_for_the_load_balancer_is_refused():
    caught = {}

    def program():
        try:
            AlbWebService("w" * 21, BASE)
        except ValueError as error:
            caught["error"] = str(error)

    recording = run_callable(program)
    assert recording.registrations == []
    assert caught["error"] == (
        "invalid AlbWebService arguments:\n"
        f"  name: '{'w' * 21}' — at most 20 characters: the longest resource name <name>-alb plus the 8-character "
        "autoname suffix must fit the 32 characters a load balancer name allows"
    )
