"""The archive format: a zip with `manifest.json` and one JSON Lines file per table.

    manifest.json        format, format_version, schema_revision (Alembic), created_at (UTC),
                         source_engine, and per table (in foreign-key order): its file, row
                         count, SHA-256 of the file, and its columns with their kinds
    tables/<name>.jsonl  one JSON object per row, {column: encoded value}

Files are written and read as streams, so a table larger than memory passes through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.backup.codec import KINDS, decode

FORMAT = "llw-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class BackupError(Exception):
    """Backup or restore refused or failed; the message is for the operator."""


class DamagedArchive(BackupError):
    """The archive cannot be trusted: not a zip, a file missing, a count or checksum wrong."""

    def __init__(self, detail: str):
        super().__init__(f"The archive is damaged: {detail}. Nothing was restored.")


@dataclass
class TableEntry:
    name: str
    file: str
    rows: int
    sha256: str
    #: (column name, kind) in table order.
    columns: list[tuple[str, str]]

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "file": self.file,
            "rows": self.rows,
            "sha256": self.sha256,
            "columns": [{"name": name, "kind": kind} for name, kind in self.columns],
        }

    @classmethod
    def from_json(cls, data: dict) -> TableEntry:
        columns = [(str(column["name"]), str(column["kind"])) for column in data["columns"]]
        unknown = sorted({kind for _, kind in columns} - KINDS)
        if unknown:
            raise ValueError(f"unknown column kinds {unknown}")
        rows = data["rows"]
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise ValueError("bad row count")
        return cls(str(data["name"]), str(data["file"]), rows, str(data["sha256"]), columns)


@dataclass
class Manifest:
    schema_revision: str
    created_at: str
    source_engine: str
    tables: list[TableEntry] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "source_engine": self.source_engine,
            "tables": [table.to_json() for table in self.tables],
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError("not a backup of this app")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise BackupError(
                f"The archive uses backup format version {version}; this version of the app "
                f"reads version {FORMAT_VERSION}. Restore it with a matching version of the app."
            )
        return cls(
            schema_revision=str(data["schema_revision"]),
            created_at=str(data["created_at"]),
            source_engine=str(data.get("source_engine", "")),
            tables=[TableEntry.from_json(table) for table in data["tables"]],
            format_version=version,
        )


def utc_timestamp() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ArchiveWriter:
    """Writes an archive next to its final path and moves it into place only when complete,
    so a failed backup never leaves a half-written file where a good one is expected."""

    def __init__(self, path: Path, manifest: Manifest):
        self.path = path
        self.manifest = manifest
        self._partial = path.with_name(f".{path.name}.partial")

    def __enter__(self) -> ArchiveWriter:
        # Readable by its owner only: the archive holds personal data.
        fd = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._zip = zipfile.ZipFile(self._file, "w", compression=zipfile.ZIP_DEFLATED)
        self._stamp = dt.datetime.now(dt.UTC).timetuple()[:6]
        return self

    def _member(self, name: str) -> zipfile.ZipInfo:
        member = zipfile.ZipInfo(name, date_time=self._stamp)
        member.compress_type = zipfile.ZIP_DEFLATED
        member.external_attr = 0o600 << 16
        return member

    def add_table(
        self, name: str, columns: list[tuple[str, str]], rows: Iterable[dict]
    ) -> TableEntry:
        """Write one table's rows (already encoded) as JSON Lines, counting and hashing them."""
        entry = TableEntry(name, f"tables/{name}.jsonl", 0, "", columns)
        digest = hashlib.sha256()
        buffer = bytearray()
        with self._zip.open(self._member(entry.file), "w", force_zip64=True) as stream:
            for row in rows:
                buffer += json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()
                buffer += b"\n"
                entry.rows += 1
                if len(buffer) >= _CHUNK:
                    digest.update(buffer)
                    stream.write(buffer)
                    buffer.clear()
            digest.update(buffer)
            stream.write(buffer)
        entry.sha256 = digest.hexdigest()
        self.manifest.tables.append(entry)
        return entry

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                manifest = json.dumps(self.manifest.to_json(), ensure_ascii=False, indent=2)
                self._zip.writestr(self._member(MANIFEST), manifest + "\n")
            self._zip.close()
            self._file.close()
        finally:
            if exc_type is None:
                os.replace(self._partial, self.path)
            else:
                self._partial.unlink(missing_ok=True)


class ArchiveReader:
    """Reads and checks an archive. Every problem with the file is a DamagedArchive."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> ArchiveReader:
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError as exc:
            raise BackupError(f"No file at {self.path}.") from exc
        except (zipfile.BadZipFile, OSError) as exc:
            raise DamagedArchive("it is not a readable zip file") from exc
        try:
            self.manifest = self._read_manifest()
        except BaseException:
            self._zip.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._zip.close()

    def _read_manifest(self) -> Manifest:
        try:
            data = json.loads(self._zip.read(MANIFEST).decode("utf-8"))
        except KeyError as exc:
            raise DamagedArchive(f"it has no {MANIFEST}") from exc
        except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError) as exc:
            raise DamagedArchive(f"its {MANIFEST} cannot be read") from exc
        try:
            return Manifest.from_json(data)
        except BackupError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DamagedArchive(f"its {MANIFEST} is not valid ({exc})") from exc

    def _lines(self, entry: TableEntry) -> Iterator[bytes]:
        try:
            with self._zip.open(entry.file) as stream:
                yield from stream
        except KeyError as exc:
            raise DamagedArchive(f"the file of table {entry.name} is missing") from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DamagedArchive(f"the file of table {entry.name} cannot be read") from exc

    def verify(self, on_table: Callable[[TableEntry], None] | None = None) -> None:
        """Check every table file against the manifest: present, row count, SHA-256."""
        for entry in self.manifest.tables:
            digest, rows = hashlib.sha256(), 0
            for line in self._lines(entry):
                digest.update(line)
                rows += 1
            if digest.hexdigest() != entry.sha256:
                raise DamagedArchive(
                    f"the checksum of table {entry.name} does not match the manifest"
                )
            if rows != entry.rows:
                raise DamagedArchive(
                    f"table {entry.name} has {rows} rows where the manifest says {entry.rows}"
                )
            if on_table is not None:
                on_table(entry)

    def rows(self, entry: TableEntry) -> Iterator[dict]:
        """The table's rows, decoded to the values to insert."""
        kinds = dict(entry.columns)
        for number, line in enumerate(self._lines(entry), start=1):
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or row.keys() != kinds.keys():
                    raise ValueError("its columns differ from the manifest's")
                yield {name: decode(kinds[name], value) for name, value in row.items()}
            except (ValueError, TypeError) as exc:
                raise DamagedArchive(f"row {number} of table {entry.name} is not valid") from exc
