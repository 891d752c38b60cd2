"""The plugin under provider/: its manifest, its requirements, and the process the Pulumi CLI starts, which
serves the committed schema over gRPC (loopback only, as the engine talks to it)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import grpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "provider"


def test_the_manifest_declares_a_python_plugin_with_pip_and_its_own_venv():
    manifest = YAML(typ="safe").load((PLUGIN / "PulumiPlugin.yaml").read_text())
    assert manifest == {"runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}}


def test_the_plugin_installs_the_library_and_the_sdk_version_the_tests_run_on():
    lines = [line for line in (PLUGIN / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    assert "-e .." in lines
    pins = [line for line in lines if re.match(r"^pulumi\b", line)]
    assert pins == [f"pulumi=={version('pulumi')}"], "raise the pin together with the dev venv's SDK"


def test_the_plugin_process_serves_the_committed_schema():
    # As the language host runs it: `python <plugin directory> <engine address>`; it prints its port first.
    plugin = subprocess.Popen(
        [sys.executable, str(PLUGIN), "127.0.0.1:1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert plugin.stdout is not None
        first = plugin.stdout.readline()
        assert first.strip().isdigit(), f"the plugin exited: {plugin.communicate()[1].decode()[-2000:]}"
        port = int(first)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            served = stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=120)
    finally:
        plugin.kill()
        plugin.wait()
    assert json.loads(served.schema) == json.loads((PLUGIN / "schema.json").read_text())
