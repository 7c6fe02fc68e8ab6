import os
from pathlib import Path

import pytest

from boligarkiv.blobs import BlobNotFoundError, BlobStore, CorruptBlobError, sha256_bytes


def test_put_get_round_trip_and_layout(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = b"%PDF-1.7 boligsosial handlingsplan"
    digest = store.put(data)
    assert digest == sha256_bytes(data)
    path = store.path(digest)
    assert path == tmp_path / "sha256" / digest[:2] / digest[2:4] / digest
    assert store.get(digest) == data
    assert list(store.iter_hashes()) == [digest]


def test_put_is_write_once_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"a")
    mtime = store.path(digest).stat().st_mtime_ns
    assert store.put(b"a") == digest
    assert store.path(digest).stat().st_mtime_ns == mtime
    # Stored blobs are read-only so that nothing edits the archive in place by accident.
    assert not os.access(store.path(digest), os.W_OK) or os.geteuid() == 0
    assert store.path(digest).stat().st_mode & 0o222 == 0


def test_failed_write_leaves_no_partial_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = BlobStore(tmp_path)

    def disk_gone(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", disk_gone)
    with pytest.raises(OSError):
        store.put(b"x" * (2 << 20))
    assert list(store.iter_hashes()) == []
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no temporary file left behind either


def test_corrupted_blob_is_detected(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"original bytes")
    path = store.path(digest)
    path.chmod(0o644)
    path.write_bytes(b"tampered bytes")
    with pytest.raises(CorruptBlobError, match="korrupt"):
        store.get(digest)
    assert store.verify_all() == [digest]


def test_missing_blob_and_bad_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobNotFoundError):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
