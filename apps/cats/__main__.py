"""Run the cats API with the development server: `python -m cats` (containers use gunicorn)."""

import os
import sys

from .app import app_from_env
from .logs import configure_logging
from .storage import ConfigError, StorageError


def main() -> int:
    configure_logging()
    try:
        app = app_from_env()
    except (ConfigError, StorageError) as exc:
        print(f"cats: {exc}", file=sys.stderr)
        return 2
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
