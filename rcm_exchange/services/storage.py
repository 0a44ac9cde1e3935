"""Where attachment files live: one interface, the local folder ``RCM_UPLOAD_DIR`` by
default.

Files are stored by content hash (``ab/cd/<sha256>``) and never under a name a user
chose. Several hosts share one store by mounting one folder at ``RCM_UPLOAD_DIR`` on
every host (an NFS or other shared volume): a file is written under a temporary name
in that folder and renamed into place, so another host never reads half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app


class UploadStorage(Protocol):
    def scratch_dir(self) -> Path:
        """A folder for receiving an upload before its hash is known."""

    def save(self, sha256: str, source: Path) -> bool:
        """Move the finished file ``source`` in under its hash (kept if already there);
        True when this call stored it, so a failed upload can remove what it alone added."""

    def exists(self, sha256: str) -> bool: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def delete(self, sha256: str) -> None: ...

    def readable_path(self, sha256: str):
        """A context manager giving a local path of the file (for the text extractor)."""


class LocalFolderStorage:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def scratch_dir(self) -> Path:
        directory = self.root / "incoming"
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def save(self, sha256: str, source: Path) -> bool:
        target = self._path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            source.unlink()
            return False
        os.replace(source, target)
        target.chmod(0o640)
        return True

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    @contextmanager
    def readable_path(self, sha256: str) -> Iterator[Path]:
        yield self._path(sha256)


def get_storage() -> UploadStorage:
    """The configured store of this app (made once)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("rcm_upload_storage")
    if store is None:
        store = app.extensions["rcm_upload_storage"] = LocalFolderStorage(app.config["RCM_UPLOAD_DIR"])
    return store


@contextmanager
def readable_path(sha256: str) -> Iterator[Path]:
    with get_storage().readable_path(sha256) as path:
        yield path
