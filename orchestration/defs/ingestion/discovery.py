"""Find the files of the landing zone (SPEC §2) and fingerprint them.

Layout: ``<landing>/<source>/dt=YYYY-MM-DD/<any name>.<ext>``. Every entry that does not fit (a stray file
at the root, an unknown source folder, a file outside a ``dt=`` folder, a wrong extension, a directory where a
file should be) is returned as an :class:`Entry` with ``problem`` set, never raised: ingestion records it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.landing import SOURCES

_DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Entry:
    """One thing found in the landing zone."""

    source: str | None  # None: outside any known source folder
    rel_path: str  # relative to the landing root, '/'-separated
    abs_path: Path
    is_dir: bool = False
    problem: str | None = None  # None: a landing file to load


@dataclass(frozen=True)
class Fingerprint:
    size_bytes: int | None
    content_hash: str | None  # sha256 hex of the bytes; None for directories and unreadable files
    error: str | None = None  # why the file could not be read


def _is_day(name: str) -> bool:
    match = _DT_FOLDER.match(name)
    if not match:
        return False
    try:
        dt.date.fromisoformat(match.group(1))
    except ValueError:
        return False
    return True


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def discover(root: Path, sources: Iterable[str] | None = None) -> list[Entry]:
    """All entries under ``root`` for the given sources (all sources, plus stray root entries, when None).

    Sorted by relative path so ingestion order (and so ``_ingested_at`` ties) is deterministic.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"landing zone {root} does not exist or is not a directory")
    wanted = list(SOURCES) if sources is None else list(sources)
    unknown = [s for s in wanted if s not in SOURCES]
    if unknown:
        raise ValueError(f"unknown landing sources {unknown}; expected some of {list(SOURCES)}")

    entries: list[Entry] = []
    if sources is None:
        for child in root.iterdir():
            if child.name in SOURCES and child.is_dir():
                continue
            kind = "directory" if child.is_dir() else "file"
            entries.append(
                Entry(
                    None,
                    _rel(root, child),
                    child,
                    child.is_dir(),
                    f"unexpected {kind} (not a landing source)",
                )
            )

    for source in wanted:
        spec = SOURCES[source]
        source_dir = root / source
        if not source_dir.is_dir():
            continue
        for day_dir in source_dir.iterdir():
            if not (day_dir.is_dir() and _is_day(day_dir.name)):
                kind = "directory" if day_dir.is_dir() else "file"
                entries.append(
                    Entry(
                        source,
                        _rel(root, day_dir),
                        day_dir,
                        day_dir.is_dir(),
                        f"unexpected {kind} (not under a dt=YYYY-MM-DD folder)",
                    )
                )
                continue
            for item in day_dir.iterdir():
                rel = _rel(root, item)
                if item.is_dir():
                    entries.append(Entry(source, rel, item, True, "directory where a file should be"))
                elif item.name.lower().endswith(f".{spec.extension}") and not item.name.startswith("."):
                    entries.append(Entry(source, rel, item))
                else:
                    entries.append(
                        Entry(
                            source, rel, item, False, f"unexpected file (extension is not .{spec.extension})"
                        )
                    )
    entries.sort(key=lambda e: e.rel_path)
    return entries


def fingerprint(entry: Entry) -> Fingerprint:
    """Size and sha256 of a file (read in 1 MiB chunks); directories have neither."""
    if entry.is_dir:
        return Fingerprint(None, None)
    if not entry.abs_path.is_file():  # a FIFO or a link to /dev/zero would block or never end
        return Fingerprint(None, None, "unreadable file (not a regular file: a pipe, device or broken link)")
    digest = hashlib.sha256()
    size = 0
    try:
        with entry.abs_path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        return Fingerprint(None, None, f"unreadable file ({exc.strerror or exc})")
    return Fingerprint(size, digest.hexdigest())
