"""moto_server on a port the kernel picks while binding, written to a file once the socket listens.

Choosing a free port first and binding it later leaves a gap in which another server of a parallel run
(or an outgoing connection's source port) can take it, and a client could then talk to the wrong server.
Binding port 0 in the server itself leaves no such gap. The rest is what `moto.server.main` does, plus the
ECS agent's state-change API that lets tasks really run (`local.ecs_agent_api`), Step Functions executions
that run their definition, and an AWS-style error for
an operation moto lacks (`UnimplementedAsError`).

    python -m local.moto_server PORT_FILE
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.core.config import default_user_config
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from . import ecs_agent_api

HOST = "127.0.0.1"


class UnimplementedAsError:
    """moto raises NotImplementedError for an operation it lacks, which the server turns into an HTML 500 page
    that clients retry and then report as a server fault. AWS answers an operation it does not support with a
    client error; this answers one with the code `NotImplemented` (a JSON body botocore reads the code from),
    so a client can tell "not available here" apart and fall back (`ecs-workloads redrive` moves the messages
    itself when SQS message move tasks are missing)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return self._app(environ, start_response)
        except NotImplementedError as error:
            body = json.dumps({"__type": "NotImplemented", "message": str(error)}).encode()
            headers = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
            start_response("400 Bad Request", headers)
            return [body]


def main(port_file: str) -> None:
    ecs_agent_api.install()
    # Executions of a state machine run its definition (moto's ASL parser) instead of only being recorded, so
    # an execution the local job ticker starts ends SUCCEEDED with its output, as the job API reads runs.
    default_user_config.update({"stepfunctions": {"execute_state_machine": True}})
    app = UnimplementedAsError(DomainDispatcherApplication(create_backend_app))
    server = make_server(HOST, 0, app, threaded=True, request_handler=MotoRequestHandler)
    # moto builds some URLs (SQS queue URLs among them) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(server.port)
    target = Path(port_file)
    partial = target.with_suffix(".partial")
    partial.write_text(str(server.port))
    partial.replace(target)  # a reader sees the whole number or nothing
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
