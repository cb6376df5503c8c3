"""The backup archive: a tar.gz of the database copy and the photos, led by a checksummed manifest.

The manifest lists every other member with its SHA-256 and size, and carries a checksum of its
own content, so a member or the manifest changed after the backup is refused before anything is
restored. Members are read as a stream: a regular file of a known name or under photos/, never
a link, an absolute path or `..`, never more bytes than the manifest promised.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from core.errors import DomainError

APP = "shouwang"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# The fingerprint of the key the backup's 身份证号 are encrypted with; restore needs that key.
FIELD_KEY_ENTRY = "field_key"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
PHOTO_DIR = "photos"
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
_SAFE_PART = re.compile(r"^[\w\-. ]+$")


class BackupError(DomainError):
    """A backup or restore that cannot go ahead; the message says why, in Chinese."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: its database kind, schema revision, row counts and member checksums."""

    database: str
    schema_revision: str
    row_counts: dict[str, int]
    files: dict[str, dict[str, Any]]
    created_at: str
    operator: str
    app: str = APP
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """The manifest's fields as JSON data, without its own checksum."""
        return {"app": self.app, "format_version": self.format_version,
                "database": self.database, "schema_revision": self.schema_revision,
                "row_counts": self.row_counts, "files": self.files,
                "created_at": self.created_at, "operator": self.operator, **self.extra}

    def to_json(self) -> bytes:
        """The manifest as written into the archive, with the checksum of its content."""
        content = self.content()
        return json.dumps({**content, "checksum": content_checksum(content)},
                          ensure_ascii=False, indent=2, sort_keys=True).encode()

    @property
    def photo_count(self) -> int:
        return sum(1 for name in self.files if name.startswith(PHOTO_DIR + "/"))


def content_checksum(content: dict[str, Any]) -> str:
    """SHA-256 of the manifest content in one canonical form (sorted keys, no spaces)."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_manifest(data: bytes) -> Manifest:
    """Read and check the manifest; a changed or foreign one is a BackupError."""
    try:
        raw = json.loads(data.decode())
        checksum = raw.pop("checksum")
        content = dict(raw)
        manifest = Manifest(
            database=str(raw.pop("database")), schema_revision=str(raw.pop("schema_revision")),
            row_counts={str(k): int(v) for k, v in raw.pop("row_counts").items()},
            files={str(k): dict(v) for k, v in raw.pop("files").items()},
            created_at=str(raw.pop("created_at")), operator=str(raw.pop("operator")),
            app=str(raw.pop("app")), format_version=int(raw.pop("format_version")), extra=raw)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise BackupError("备份文件的清单（manifest.json）无法读取，文件可能已损坏。") from exc
    if manifest.app != APP:
        raise BackupError("这不是守望的备份文件。")
    if checksum != content_checksum(content):
        raise BackupError("备份清单的校验值不符：清单在备份后被修改过或已损坏，已拒绝恢复。")
    if manifest.format_version > FORMAT_VERSION:
        raise BackupError(f"备份文件格式（第{manifest.format_version}版）比本程序新，"
                          "请先升级守望再恢复。")
    return manifest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def photo_files(data_dir: Path) -> dict[str, Path]:
    """Every regular file under the photo folder, by its member name (photos/2026/09/x.jpg)."""
    root = data_dir / PHOTO_DIR
    if not root.is_dir():
        return {}
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(PurePosixPath(PHOTO_DIR, *path.relative_to(root).parts))] = path
    return found


def describe(files: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Each member's SHA-256 and size, for the manifest; a photo removed meanwhile is left out."""
    described = {}
    for name, path in files.items():
        try:
            described[name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
        except FileNotFoundError:
            continue  # deleted by the app since the listing; the copied database may not need it
    return described


def write_archive(out: Path, manifest: Manifest, files: dict[str, Path]) -> int:
    """Write the archive (mode 0600) next to `out`, then move it into place; return its size.

    A failure leaves no file at `out`, and an older file there stays until the new one is whole.
    """
    out = out.expanduser()
    if out.is_dir():
        raise BackupError(f"{out} 是一个文件夹，请给出备份文件的名字（如 守望备份.tar.gz）。")
    if not out.parent.is_dir():
        raise BackupError(f"文件夹不存在：{out.parent}")
    handle, temp_name = tempfile.mkstemp(prefix=".shouwang-backup-", suffix=".part",
                                         dir=out.parent)  # mkstemp creates it with mode 0600
    temp = Path(temp_name)
    try:
        # Level 6, not tarfile's 9: a county database packs in 12 s instead of 30, same size.
        with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz",
                                                      compresslevel=6) as tar:
            _add_bytes(tar, MANIFEST, manifest.to_json())
            for name, expected in manifest.files.items():
                _add_file(tar, name, files[name], int(expected["bytes"]))
        os.chmod(temp, 0o600)
        os.replace(temp, out)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise BackupError.of("errors.backup.write_failed", path=str(out),
                             why=exc.strerror or str(exc)) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return out.stat().st_size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path, size: int) -> None:
    """Add the file's first `size` bytes (the ones checksummed); refuse one that vanished."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    try:
        with path.open("rb") as source:
            tar.addfile(info, source)
    except FileNotFoundError as exc:
        raise BackupError.of("errors.backup.vanished", name=name) from exc


def _safe_member(name: str, manifest: Manifest) -> str:
    """The member's name when it is one the manifest lists and safe to write; else refuse."""
    parts = PurePosixPath(name).parts
    safe = (name in manifest.files and not name.startswith("/")
            and all(_SAFE_PART.match(p) and p not in {".", ".."} for p in parts))
    if not safe:
        raise BackupError(f"备份文件中有清单之外或不安全的内容（{name[:80]}），已拒绝恢复。")
    return name


def _copy_checked(source: IO[bytes], target: IO[bytes], expected: dict[str, Any],
                  name: str) -> None:
    """Copy one member while hashing it; refuse a size or checksum other than the manifest's."""
    digest, size, limit = hashlib.sha256(), 0, int(expected.get("bytes", -1))
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > limit:
            break
        digest.update(chunk)
        target.write(chunk)
    if size != limit or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(f"备份文件中的“{name}”校验值不符，文件已损坏或被修改，已拒绝恢复。")


def _members(archive: Path) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for info in tar:
                yield info, tar
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"无法读取备份文件 {archive.name}："
                          "它不是守望的备份文件，或已损坏。") from exc


def extract(archive: Path, target: Path) -> Manifest:
    """Check every member against the manifest and write them under `target` (a new folder).

    The manifest must come first; a member missing, added, changed or not a plain file is a
    BackupError, and nothing outside `target` is ever written.
    """
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    manifest: Manifest | None = None
    seen: set[str] = set()
    for info, tar in _members(archive):
        if manifest is None:
            manifest = _first_manifest(info, tar)
            continue
        name = _safe_member(info.name, manifest)
        if not info.isfile() or name in seen:
            raise BackupError(f"备份文件中的“{name[:80]}”不是普通文件或重复出现，已拒绝恢复。")
        seen.add(name)
        path = target.joinpath(*PurePosixPath(name).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(info)
        assert source is not None  # a regular file always has content to read
        try:
            with path.open("xb") as handle:
                _copy_checked(source, handle, manifest.files[name], name)
        except (tarfile.TarError, EOFError, zlib.error) as exc:  # cut short or corrupt
            raise BackupError(f"无法读取备份文件 {archive.name}中的“{name[:80]}”："
                              "文件不完整或已损坏，已拒绝恢复。") from exc
    if manifest is None:
        raise BackupError("备份文件中没有清单（manifest.json），不是守望的备份文件。")
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise BackupError(f"备份文件不完整：缺少{len(missing)}个文件（如“{missing[0][:80]}”）。")
    return manifest


def _first_manifest(info: tarfile.TarInfo, tar: tarfile.TarFile) -> Manifest:
    if info.name != MANIFEST or not info.isfile():
        raise BackupError("备份文件中没有清单（manifest.json），不是守望的备份文件。")
    if info.size > MAX_MANIFEST_BYTES:
        raise BackupError("备份文件的清单过大，不是守望的备份文件。")
    source = tar.extractfile(info)
    assert source is not None
    return parse_manifest(source.read())
