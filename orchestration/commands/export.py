"""``asyncwfm export --warehouse FILE --out DIR``: the marts (and the quality results) as Parquet files.

BI tools that cannot share the DuckDB file with a running refresh read these files instead. The warehouse is
opened read-only; each file is written under a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from orchestration.sqltext import identifier, literal

EXTRA_TABLES = ("quality.validation_results",)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export",
        help="export every table of schema marts (and quality.validation_results) to Parquet",
        description="Write <out>/<schema>/<table>.parquet for each mart, reading the warehouse read-only.",
    )
    parser.add_argument("--warehouse", required=True, help="DuckDB warehouse file written by `asyncwfm run`")
    parser.add_argument("--out", required=True, help="folder for the Parquet files (created if missing)")
    return parser


def export(warehouse: Path, out: Path) -> list[tuple[str, Path, int]]:
    """Copy the tables to Parquet; return (table, file, rows) per table. Raises cli.UserError."""
    import duckdb

    from orchestration.cli import UserError
    from orchestration.report.queries import WarehouseUnavailable, open_read_only

    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; pass a folder for the Parquet files.")
    try:
        con = open_read_only(Path(warehouse).resolve())
    except WarehouseUnavailable as exc:
        raise UserError(str(exc)) from None
    written = []
    try:
        tables = con.execute(
            """
            select table_schema, table_name from information_schema.tables
            where (table_schema = 'marts' or table_schema || '.' || table_name in ?)
            order by table_schema = 'marts' desc, table_schema, table_name
            """,
            [list(EXTRA_TABLES)],
        ).fetchall()
        if not tables:
            raise UserError(
                f"The warehouse {warehouse} has no marts yet; run `asyncwfm run --landing DIR --warehouse "
                f"{warehouse}` first."
            )
        for schema, table in tables:
            folder = out / schema
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{table}.parquet"
            partial = folder / f".{table}.parquet.partial"
            relation = f"{identifier(schema)}.{identifier(table)}"
            con.execute(f"copy (select * from {relation}) to {literal(partial)} (format parquet)")
            os.replace(partial, target)
            rows = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
            written.append((f"{schema}.{table}", target, rows))
    except duckdb.Error as exc:
        raise UserError(f"Export failed: {exc}") from None
    except PermissionError as exc:
        raise UserError(f"Cannot write to {out} ({exc.strerror}); choose another --out.") from None
    finally:
        con.close()
    return written


def run(args: argparse.Namespace) -> int:
    written = export(Path(args.warehouse), Path(args.out))
    width = max(len(name) for name, _, _ in written)
    for name, path, rows in written:
        print(f"  {name:<{width}} {rows:>12,} rows  {path}")
    print(f"{len(written)} tables exported to {Path(args.out).resolve()}")
    return 0
