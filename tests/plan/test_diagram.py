"""The architecture diagram is drawn from recorded resources, links what the program links, and is committed."""

from __future__ import annotations

import stat
import sys

import pulumi
import pulumi_aws as aws
import pytest

from ecs_workloads.queue_backed_batch_service import DEFAULT_MAX_RECEIVE_COUNT
from harness.program import PROJECT_DIR, run_callable, run_program
from plan import __main__ as plan_command
from plan import diagram, diagram_render


@pytest.fixture(scope="module")
def dev_recording():
    return run_program("dev")


@pytest.fixture(scope="module")
def dev(dev_recording):
    return diagram.build(dev_recording)


@pytest.fixture(scope="module")
def prod():
    return diagram.build(run_program("prod"))


def _edge(drawn: diagram.Diagram, source: str, target: str) -> diagram.Edge:
    found = drawn.edges_between(source, target)
    assert len(found) == 1, f"no single edge {source} -> {target}; edges from {source}: " + ", ".join(
        e.target for e in drawn.edges if e.source == source
    )
    return found[0]


def test_committed_diagram_is_the_current_plan(dev):
    committed = (PROJECT_DIR / "docs" / "diagram.md").read_text()
    assert committed == diagram_render.markdown(dev, "dev"), "docs/diagram.md is stale: run `make diagram`"


def test_input_bucket_events_reach_the_queue_its_workers_read(dev):
    bucket, rule = "bucket_batch_jsonl_input", "events_batch_jsonl_object_created"
    queue, service = "queue_batch_jsonl_queue", "service_batch_jsonl_service"
    assert _edge(dev, bucket, rule).label == "Object Created *.json *.jsonl"
    assert _edge(dev, rule, queue).label == "target"
    assert _edge(dev, queue, service).label == "QUEUE_URL"
    assert _edge(dev, service, "bucket_batch_jsonl_output").label == "OUTPUT_BUCKET"
    # Each pipeline's events stay in it: the images bucket never feeds the jsonl queue.
    assert dev.edges_between("events_batch_images_object_created", queue) == []


def test_queues_redrive_to_their_dead_letter_queues(dev):
    for pipeline in ("jsonl", "images"):
        edge = _edge(dev, f"queue_batch_{pipeline}_queue", f"queue_batch_{pipeline}_dlq")
        assert edge.label == f"after {DEFAULT_MAX_RECEIVE_COUNT} receives"


def test_schedule_runs_the_task_that_calls_the_load_balancer(dev):
    schedule, task = "schedule_image_assessor_schedule", "task_image_assessor_workload_task"
    assert _edge(dev, schedule, task).label == "rate(2 minutes)"
    assert _edge(dev, task, "alb_cats_alb").label == "ALB_URL"
    assert _edge(dev, schedule, "queue_image_assessor_dlq").label == "runs it could not start"
    assert _edge(dev, task, "events_image_assessor_failed_run").label == "ECS Task State Change"
    assert _edge(dev, "events_image_assessor_failed_run", "topic_alarms_topic").label == "target"


def test_load_balancer_routes_to_the_service(dev):
    assert _edge(dev, "alb_cats_alb", "listener_cats_http")
    assert _edge(dev, "listener_cats_http", "rule_cats_rule").label == "path /cats*"
    assert _edge(dev, "rule_cats_rule", "tg_cats_tg").label == "forward"
    assert _edge(dev, "tg_cats_tg", "service_cats_service").label == "app:8080"
    assert _edge(dev, "service_cats_service", "bucket_cats_pictures").label == "BUCKET_NAME"
    # A service's task definition is drawn as the service itself.
    assert not any(node.startswith("task_cats") for node in dev.nodes)


def test_the_cats_service_calls_the_backend_by_its_service_connect_alias(dev):
    # PICTURE_SCORER_URL names the alias the scorer publishes, not any resource's ARN or DNS name.
    edge = _edge(dev, "service_cats_service", "service_picture_scorer_service")
    assert edge.label == "PICTURE_SCORER_URL"
    assert dev.nodes["service_picture_scorer_service"].group == "BackendService_picture_scorer"


def test_every_alarm_notifies_the_topic_or_scales_a_service_and_watches_a_resource(dev_recording, dev):
    alarms = dev_recording.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 14
    for alarm in alarms:
        node = diagram.node_id(alarm)
        actions = {(e.target, e.label) for e in dev.edges if e.source == node}
        assert ("topic_alarms_topic", "alarm") in actions or any(label == "scales" for _, label in actions), node
        assert [e.style for e in dev.edges if e.target == node] == [diagram.METRIC], node
    assert _edge(dev, "alarm_batch_jsonl_backlog", "service_batch_jsonl_service").label == "scales"
    assert _edge(dev, "queue_batch_jsonl_dlq", "alarm_batch_jsonl_dlq_not_empty").style == diagram.METRIC


def test_nodes_are_grouped_by_top_level_component(dev):
    assert dev.nodes["queue_batch_jsonl_queue"].group == "QueueBackedBatchService_batch_jsonl"
    assert dev.nodes["bucket_batch_jsonl_input"].group == "QueueBackedBatchService_batch_jsonl"
    assert dev.nodes["task_image_assessor_workload_task"].group == "ScheduledEcsTask_image_assessor"
    assert dev.groups["AlbWebService_cats"] == "AlbWebService cats"
    text = diagram_render.to_mermaid(dev)
    assert 'subgraph QueueBackedBatchService_batch_jsonl["QueueBackedBatchService batch-jsonl"]' in text
    assert 'bucket_batch_jsonl_input -->|"Object Created *.json *.jsonl"| events_batch_jsonl_object_created' in text
    assert 'queue_batch_jsonl_dlq -.->|"metric"| alarm_batch_jsonl_dlq_not_empty' in text


def test_output_is_deterministic(dev):
    again = diagram.build(run_program("dev"))
    assert diagram_render.to_mermaid(again) == diagram_render.to_mermaid(dev)
    assert dev.edges == sorted(dev.edges)


def test_prod_reaches_the_load_balancer_through_its_domain_name(prod):
    # ALB_URL is https://cats.example.com there; the Route 53 alias links it to the load balancer.
    assert _edge(prod, "task_image_assessor_workload_task", "alb_cats_alb").label == "ALB_URL"
    assert _edge(prod, "listener_cats_https", "rule_cats_rule").label == "path /cats*"
    assert prod.nodes["listener_cats_http"].lines[-1] == "HTTP :80 → HTTPS :443"
    # The nightly report runs through its workflow: schedule -> state machine -> task, and failures to the topic.
    schedule, workflow = "schedule_job_nightly_report_schedule", "workflow_job_nightly_report_workflow_state_machine"
    assert _edge(prod, schedule, workflow).label == "cron(30 2 * * ? *) Europe/London, disabled"
    assert _edge(prod, workflow, "task_job_nightly_report_workload_task").label == "runTask.sync"
    assert _edge(prod, workflow, "topic_alarms_topic").label == "failed run"
    assert prod.edges_between(schedule, "task_job_nightly_report_workload_task") == []


def test_edges_follow_recorded_values_not_names():
    def program():
        inbox = aws.s3.Bucket("inbox")
        queue = aws.sqs.Queue("work")
        aws.sqs.Queue("unrelated")
        rule = aws.cloudwatch.EventRule(
            "arrivals",
            event_pattern=pulumi.Output.json_dumps({"detail": {"bucket": {"name": [inbox.bucket]}}}),
        )
        aws.cloudwatch.EventTarget("arrivals-to-work", rule=rule.name, arn=queue.arn)
        env = [{"name": "QUEUE_URL", "value": queue.url}, {"name": "OTHER", "value": "work"}]
        aws.ecs.TaskDefinition(
            "consumer",
            family="consumer",
            container_definitions=pulumi.Output.json_dumps([{"name": "app", "image": "busybox", "environment": env}]),
        )

    drawn = diagram.build(run_callable(program))
    assert _edge(drawn, "bucket_inbox", "events_arrivals")
    assert _edge(drawn, "events_arrivals", "queue_work").label == "target"
    assert _edge(drawn, "queue_work", "task_consumer").label == "QUEUE_URL"
    # "work" is the queue's resource name, not a value the queue exposes: no edge from it.
    assert [e for e in drawn.edges if "unrelated" in e.source + e.target] == []
    assert len(drawn.edges) == 3


def test_dot_rendering_has_every_node_edge_and_cluster(dev):
    text = diagram_render.to_dot(dev, "dev")
    assert text.startswith('digraph "dev" {') and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    for edge in dev.edges:
        assert f"  {edge.source} -> {edge.target}" in text
    assert "subgraph cluster_QueueBackedBatchService_batch_jsonl {" in text
    assert 'queue_batch_jsonl_dlq -> alarm_batch_jsonl_dlq_not_empty [label="metric", style=dashed];' in text


def test_svg_is_written_only_when_graphviz_is_installed(dev, tmp_path, monkeypatch):
    monkeypatch.setattr(diagram_render.shutil, "which", lambda name: None)
    assert diagram_render.write(dev, "dev", tmp_path / "plain" / "diagram.md") == [tmp_path / "plain" / "diagram.md"]
    assert not (tmp_path / "plain" / "diagram.svg").exists()

    # A stand-in `dot` that records its input where the SVG would go.
    fake = tmp_path / "dot"
    fake.write_text(
        f"#!{sys.executable}\nimport sys\nopen(sys.argv[sys.argv.index('-o') + 1], 'w').write(sys.stdin.read())\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(diagram_render.shutil, "which", lambda name: str(fake) if name == "dot" else None)
    written = diagram_render.write(dev, "dev", tmp_path / "diagram.md")
    assert written == [tmp_path / "diagram.md", tmp_path / "diagram.svg"]
    assert (tmp_path / "diagram.svg").read_text() == diagram_render.to_dot(dev, "dev")


def test_plan_command_prints_policy_cost_and_outputs_and_writes_the_diagram(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(diagram_render.shutil, "which", lambda name: None)
    target = tmp_path / "architecture.md"
    assert plan_command.main(["dev", "--diagram", str(target)]) == 0
    out = capsys.readouterr().out
    sections = [
        "+ ecs-workloads:index:Network  network",
        "Policy (",
        "Estimated monthly cost",
        "Outputs:",
        "Diagram:",
    ]
    positions = [out.index(section) for section in sections]
    assert positions == sorted(positions), out
    assert "0 mandatory" in out and "elb-access-logs" in out
    assert "total (us-east-1)" in out
    assert target.read_text() == diagram_render.markdown(diagram.build(run_program("dev")), "dev")
    assert "```mermaid\nflowchart LR\n" in target.read_text()


def test_cost_section_reports_a_region_without_prices(dev_recording):
    assert "not available" in plan_command._cost_section(plan_command._estimate(dev_recording, "ap-south-2"))


def test_markdown_holds_one_mermaid_block(dev):
    text = diagram_render.markdown(dev, "dev")
    assert text.count("```mermaid") == 1 and text.endswith("```\n")
    # Labels never carry a raw double quote into Mermaid.
    body = text.split("```mermaid\n", 1)[1]
    for line in body.splitlines():
        assert line.count('"') % 2 == 0, line


def test_the_ec2_stack_draws_its_capacity_providers_and_what_is_placed_on_them():
    from harness.program import run_program
    from plan.diagram import build as build_diagram

    diagram = build_diagram(run_program("ec2"))
    providers = {node.id: node.lines for node in diagram.nodes.values() if node.kind == "capacity"}
    assert providers["capacity_ecs_pipeline_provider"][2:] == ("Auto Scaling group m6i.large", "on-demand")
    assert providers["capacity_ecs_spot_provider"][3] == "100% Spot"
    assert providers["capacity_ecs_gpu_provider"][2] == "Managed Instances 4-8 vCPU, 1 GPU"
    placed = {(e.source, e.target) for e in diagram.edges if e.label == "placed on"}
    assert placed == {
        ("service_batch_images_service", "capacity_ecs_pipeline_provider"),
        ("service_batch_jsonl_service", "capacity_ecs_spot_provider"),
        ("service_cats_service", "capacity_ecs_web_provider"),
        ("task_job_gpu_smoke_workload_task", "capacity_ecs_gpu_provider"),
    }
