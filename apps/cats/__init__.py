"""The catsndogs cats picture API (see README.md)."""

from .app import access_from_env, app_from_env, create_app
from .storage import DirStore, S3Store, StorageError, store_from_env

__all__ = ["DirStore", "S3Store", "StorageError", "access_from_env", "app_from_env", "create_app", "store_from_env"]
