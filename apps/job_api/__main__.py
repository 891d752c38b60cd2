"""Run the job API with the development server: `python -m job_api` (containers use gunicorn)."""

import os
import sys

from .app import app_from_env
from .config import ConfigError


def main() -> int:
    try:
        app = app_from_env()
    except ConfigError as exc:
        print(f"job_api: {exc}", file=sys.stderr)
        return 2
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
