"""Content-addressed, write-once blob store: blobs/sha256/ab/cd/<sha256>.

Writes go to a temporary file in the target directory and are renamed into place, so a reader never sees
a half-written blob and a crash leaves at most an orphaned temp file. Reads verify the hash, so silent
disk corruption surfaces as an error instead of wrong text downstream.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class CorruptBlobError(RuntimeError):
    """A stored blob no longer matches its hash."""


class BlobNotFoundError(KeyError):
    pass


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def intact(self, sha256: str) -> bool:
        """The blob exists and still matches its hash."""
        try:
            self.get(sha256)
        except (CorruptBlobError, BlobNotFoundError):
            return False
        return True

    def put(self, data: bytes) -> str:
        """Store bytes; return their sha256. Storing the same bytes twice is a no-op, except that a stored
        copy which no longer matches its hash is replaced: the same bytes fetched again repair it."""
        digest = sha256_bytes(data)
        target = self.path(digest)
        if target.is_file() and self.intact(digest):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str, *, verify: bool = True) -> bytes:
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFoundError(sha256) from exc
        if verify and sha256_bytes(data) != sha256:
            raise CorruptBlobError(f"Blob {sha256} er korrupt: innholdet stemmer ikke med hashen ({path})")
        return data

    def iter_hashes(self) -> Iterator[str]:
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for path in base.glob("*/*/*"):
            if path.is_file() and not path.name.startswith("."):
                yield path.name

    def verify_all(self) -> list[str]:
        """Return the hashes whose files are corrupt."""
        bad = []
        for digest in self.iter_hashes():
            try:
                self.get(digest)
            except CorruptBlobError:
                bad.append(digest)
        return bad
