"""Where the pictures live: an S3 bucket shared by every task, or a local directory.

Both backends use the same layout: `backup/<n>.jpg` holds the originals and `pictures/<n>.jpg`
the pictures that remain. A picture is deleted by removing it from `pictures/`; reset copies
`backup/` back over `pictures/`.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

PICTURES_PREFIX = "pictures/"
BACKUP_PREFIX = "backup/"
# A picture number: ASCII digits without a leading zero, so every picture has exactly one name
# (`[0-9]`, unlike `\d`, matches no other script's digits). Routes and file names both use it.
PICTURE_NUMBER = "[1-9][0-9]{0,5}"
_NAME = re.compile(rf"^({PICTURE_NUMBER})\.jpg$")


class StorageError(Exception):
    """The backend could not be reached or refused the operation."""


class ConfigError(Exception):
    """The environment does not say where the pictures are."""


def picture_number(name: str) -> int | None:
    match = _NAME.match(name)
    return int(match.group(1)) if match else None


def sort_pictures(names: list[str] | set[str]) -> list[str]:
    return sorted(names, key=lambda name: picture_number(name) or 0)


def bundled_pictures() -> dict[str, bytes]:
    """The pictures shipped inside the package, used to seed an empty store."""
    folder = resources.files(__package__) / "pictures"
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and picture_number(entry.name) is not None
    }


class PictureStore(Protocol):
    description: str

    def seed(self, originals: Mapping[str, bytes]) -> list[str]:
        """Store originals not stored yet and publish exactly those; return the names published."""

    def catalogue(self) -> list[str]:
        """Every picture there is, deleted or not."""

    def remaining(self) -> list[str]:
        """The pictures not deleted."""

    def read(self, name: str) -> bytes | None:
        """The picture's bytes, or None when it is deleted or unknown."""

    def delete(self, name: str) -> bool:
        """Remove the picture; False when it was already gone or never existed."""

    def reset(self) -> list[str]:
        """Restore every original; return the pictures now present."""


class S3Store:
    """Pictures in one S3 bucket, so every task behind the load balancer sees the same state."""

    def __init__(self, bucket: str, client=None):
        if client is None:
            # Short timeouts: an ALB request waits on these, and the SDK retries transient errors itself.
            client = boto3.client(
                "s3",
                config=Config(
                    connect_timeout=3,
                    read_timeout=10,
                    retries={"mode": "standard", "max_attempts": 3},
                ),
            )
        self._s3 = client
        self._bucket = bucket
        self.description = f"s3://{bucket}"

    def _call(self, operation: str, **kwargs):
        try:
            return getattr(self._s3, operation)(Bucket=self._bucket, **kwargs)
        except ClientError as exc:
            raise StorageError(f"{operation} on {self.description}: {exc.response['Error'].get('Code')}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{operation} on {self.description}: {exc}") from exc

    def _create_if_absent(self, key: str, body: bytes) -> bool:
        try:
            # A conditional write makes exactly one of several starting tasks the creator of each object.
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="image/jpeg", IfNoneMatch="*")
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            # 412: the object exists; 409: another writer is creating it right now.
            if status in (409, 412):
                return False
            raise StorageError(f"put_object {key} on {self.description}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"put_object {key} on {self.description}: {exc}") from exc
        return True

    def _names(self, prefix: str) -> list[str]:
        names = []
        token = None
        while True:
            kwargs = {"Prefix": prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call("list_objects_v2", **kwargs)
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if picture_number(name) is not None:
                    names.append(name)
            token = page.get("NextContinuationToken")
            if not token:
                return sort_pictures(names)

    def seed(self, originals: Mapping[str, bytes]) -> list[str]:
        published = []
        for name in sort_pictures(set(originals)):
            # Only the task that created the backup publishes the picture: a restart, or a second
            # task starting at the same time, never brings back a picture someone deleted.
            if self._create_if_absent(BACKUP_PREFIX + name, originals[name]):
                self._create_if_absent(PICTURES_PREFIX + name, originals[name])
                published.append(name)
        return published

    def catalogue(self) -> list[str]:
        return self._names(BACKUP_PREFIX)

    def remaining(self) -> list[str]:
        return self._names(PICTURES_PREFIX)

    def read(self, name: str) -> bytes | None:
        try:
            return self._s3.get_object(Bucket=self._bucket, Key=PICTURES_PREFIX + name)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"].get("Code") in ("NoSuchKey", "404"):
                return None
            raise StorageError(f"get_object {name} on {self.description}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"get_object {name} on {self.description}: {exc}") from exc

    def delete(self, name: str) -> bool:
        # S3 deletes succeed for missing keys, so look first to answer 404 for a picture already gone.
        try:
            self._s3.head_object(Bucket=self._bucket, Key=PICTURES_PREFIX + name)
        except ClientError as exc:
            if exc.response["Error"].get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageError(f"head_object {name} on {self.description}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"head_object {name} on {self.description}: {exc}") from exc
        self._call("delete_object", Key=PICTURES_PREFIX + name)
        return True

    def reset(self) -> list[str]:
        originals = self.catalogue()
        for name in originals:
            self._call(
                "copy_object",
                Key=PICTURES_PREFIX + name,
                CopySource={"Bucket": self._bucket, "Key": BACKUP_PREFIX + name},
            )
        return originals


class DirStore:
    """Pictures in a local directory, for running the app on a workstation."""

    def __init__(self, root: str | os.PathLike[str]):
        self._root = Path(root)
        self._pictures = self._root / PICTURES_PREFIX.rstrip("/")
        self._backup = self._root / BACKUP_PREFIX.rstrip("/")
        try:
            self._pictures.mkdir(parents=True, exist_ok=True)
            self._backup.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot use {self._root}: {exc.strerror}") from exc
        self.description = str(self._root)

    @staticmethod
    def _write(target: Path, body: bytes, *, overwrite: bool) -> bool:
        """Write target from a temporary file so readers never see a half-written picture."""
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            if overwrite:
                os.replace(tmp, target)
                return True
            # link() fails when target exists, which makes create-if-absent atomic across processes.
            os.link(tmp, target)
        except FileExistsError:
            return False
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True

    def _names(self, folder: Path) -> list[str]:
        try:
            return sort_pictures([p.name for p in folder.iterdir() if picture_number(p.name) is not None])
        except OSError as exc:
            raise StorageError(f"cannot list {folder}: {exc.strerror}") from exc

    def seed(self, originals: Mapping[str, bytes]) -> list[str]:
        published = []
        try:
            for name in sort_pictures(set(originals)):
                if self._write(self._backup / name, originals[name], overwrite=False):
                    self._write(self._pictures / name, originals[name], overwrite=False)
                    published.append(name)
        except OSError as exc:
            raise StorageError(f"cannot seed {self._root}: {exc.strerror}") from exc
        return published

    def catalogue(self) -> list[str]:
        return self._names(self._backup)

    def remaining(self) -> list[str]:
        return self._names(self._pictures)

    def read(self, name: str) -> bytes | None:
        try:
            return (self._pictures / name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read {name}: {exc.strerror}") from exc

    def delete(self, name: str) -> bool:
        try:
            (self._pictures / name).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StorageError(f"cannot delete {name}: {exc.strerror}") from exc
        return True

    def reset(self) -> list[str]:
        originals = self.catalogue()
        try:
            for name in originals:
                self._write(self._pictures / name, (self._backup / name).read_bytes(), overwrite=True)
        except OSError as exc:
            raise StorageError(f"cannot reset {self._root}: {exc.strerror}") from exc
        return originals


def store_from_env(environ: Mapping[str, str]) -> PictureStore:
    bucket = environ.get("BUCKET_NAME", "").strip()
    if bucket:
        return S3Store(bucket)
    directory = environ.get("PICTURES_DIR", "").strip()
    if directory:
        return DirStore(directory)
    raise ConfigError("set BUCKET_NAME (S3 bucket) or PICTURES_DIR (local directory) to say where pictures live")
