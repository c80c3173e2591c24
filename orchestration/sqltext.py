"""Quoting for the few SQL texts that must name a file, a table or a value DuckDB cannot take as a parameter
(COPY targets, read_* paths, SET values, identifiers). Everything else is passed as a bound parameter."""

from __future__ import annotations

from pathlib import Path


def literal(value: str | Path) -> str:
    """A SQL string literal: quotes doubled; NUL refused (DuckDB would cut the string there)."""
    text = value.as_posix() if isinstance(value, Path) else str(value)
    if "\x00" in text:
        raise ValueError("a NUL byte cannot be part of a SQL string literal")
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier (schema, table or column name)."""
    if "\x00" in name:
        raise ValueError("a NUL byte cannot be part of a SQL identifier")
    return '"' + name.replace('"', '""') + '"'
