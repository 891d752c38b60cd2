"""moto_server on a port the kernel picks while binding, written to a file once the socket listens.

Choosing a free port first and binding it later leaves a gap in which another server of a parallel run
(or an outgoing connection's source port) can take it, and a client could then talk to the wrong server.
Binding port 0 in the server itself leaves no such gap. The rest is what `moto.server.main` does, plus the
ECS agent's state-change API that lets tasks really run (`local.ecs_agent_api`).

    python -m local.moto_server PORT_FILE
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from . import ecs_agent_api

HOST = "127.0.0.1"


def main(port_file: str) -> None:
    ecs_agent_api.install()
    app = DomainDispatcherApplication(create_backend_app)
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
