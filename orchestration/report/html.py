"""Assemble the report: one self-contained HTML file (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from orchestration.report import charts, queries
from orchestration.report.queries import Warehouse


@dataclass
class Section:
    id: str
    title: str
    intro: str
    parts: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | unavailable | error
    note: str = ""

    @property
    def charts(self) -> int:
        return sum(part.count('<svg class="chart"') for part in self.parts)


def _unavailable(section: Section, reason: str, built_by: str) -> Section:
    section.status = "unavailable"
    section.note = reason
    section.parts.append(
        f'<p class="unavailable">Not available in this warehouse: {html.escape(reason)} '
        f"({html.escape(built_by)}).</p>"
    )
    return section


def _table(frame: pd.DataFrame, formats: dict[str, Callable] | None = None, limit: int = 200) -> str:
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.head(limit).itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            if column in formats and value is not None and not (isinstance(value, float) and pd.isna(value)):
                text = formats[column](value)
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                text = ""
            elif isinstance(value, float):
                text = f"{value:,.1f}"
            elif isinstance(value, int) and not isinstance(value, bool):
                text = f"{value:,}"
            else:
                text = str(value)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            attribute = ' class="num"' if numeric else ""
            cells.append(f"<td{attribute}>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    more = f'<p class="small">{len(frame) - limit} more rows not shown.</p>' if len(frame) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _mmss(seconds: float) -> str:
    seconds = round(float(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


# --- sections -----------------------------------------------------------------------------------------------


def overview(wh: Warehouse) -> Section:
    section = Section(
        "overview",
        "What is in this warehouse",
        "The period covered, the contacts counted under the active policy, and the marts present.",
    )
    facts = queries.overview(wh)
    items = []
    if "contacts" in facts:
        items.append(("contacts (active policy)", f"{facts['contacts']:,}"))
        if facts.get("first_contact") is not None:
            items.append(("period", f"{facts['first_contact']:%Y-%m-%d} → {facts['last_contact']:%Y-%m-%d}"))
        if facts.get("policy_version"):
            items.append(("policy version", str(facts["policy_version"])))
    items.append(("marts", ", ".join(facts["marts"]) or "none"))
    section.parts.append(
        '<dl class="facts">'
        + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items)
        + "</dl>"
    )
    if "contacts_by_channel" in facts:
        frame = facts["contacts_by_channel"]
        if "units" in facts:
            frame = frame.merge(facts["units"], on="channel", how="left").rename(
                columns={"units": "counted as (contact_unit)"}
            )
        section.parts.append(_table(frame))
    else:
        section.status = "unavailable"
        section.note = "marts.fct_contacts does not exist"
    return section


def policy(wh: Warehouse) -> Section:
    section = Section(
        "policy-comparison",
        "Counting approaches compared",
        "The same agent work counted five ways (SPEC §4): contacts per message, per session, per thread (on "
        "active or elapsed time) and per cross-channel journey. Volumes and AHT move in opposite directions; "
        "the staffing tables use the approach of the active policy.",
    )
    frame = queries.policy_comparison(wh)
    if frame is None:
        return _unavailable(section, "marts.agg_policy_comparison does not exist", "built by dbt")
    if frame.empty:
        return _unavailable(
            section, "marts.agg_policy_comparison has no rows or no recognisable columns", "built by dbt"
        )
    section.parts.append(charts.policy_comparison(frame))
    approaches = list(dict.fromkeys(frame["approach"]))
    for value, label, fmt in (
        ("contacts", "Contacts in the period", lambda v: f"{v:,.0f}"),
        ("aht_seconds", "AHT (m:ss)", _mmss),
    ):
        wide = frame.pivot_table(index="channel", columns="approach", values=value, aggfunc="sum")
        wide = wide.reindex(columns=approaches).reset_index().rename_axis(None, axis=1)
        if value == "contacts" and frame["is_configured"].any():
            policy = frame[frame["is_configured"].astype(bool)].groupby("channel")["approach"].first()
            wide["the policy counts by"] = wide["channel"].map(policy).fillna("")
        section.parts.append(f"<h3>{label}</h3>" + _table(wide, dict.fromkeys(approaches, fmt)))
    return section


def heatmaps(wh: Warehouse) -> Section:
    section = Section(
        "heatmaps",
        "Volume and workload by weekday and time of day",
        "Mean per weekday and interval over the whole period, all queues of a channel together. Workload is "
        "the handle time worked in the interval divided by its length: the number of agents busy on average.",
    )
    result = queries.weekly_profile(wh)
    if result is None:
        return _unavailable(section, queries.KPI + " is missing or lacks its SPEC §6 columns", "built by dbt")
    profile, minutes = result
    if profile.empty:
        return _unavailable(section, queries.KPI + " has no rows", "built by dbt")
    section.parts.append(charts.weekly_heatmaps(profile, minutes))
    return section


def service_level(wh: Warehouse) -> Section:
    section = Section(
        "service-level",
        "Service level against goal",
        "Share of inbound messages or contacts (as the KPI mart measures each channel; voice: calls) "
        "answered within the channel's service target, per day, "
        "summed over the day; the dashed line is the policy's goal.",
    )
    result = queries.service_level_daily(wh)
    if result is None:
        return _unavailable(section, queries.KPI + " is missing or has no service_level", "built by dbt")
    daily, goals = result
    if daily.empty:
        return _unavailable(section, "no interval has a service level yet", "built by dbt")
    section.parts.append(charts.service_level(daily, goals))
    return section


def backlog(wh: Warehouse) -> Section:
    section = Section(
        "backlog",
        "Backlog over time",
        "Threads awaiting an agent at the end of each interval. Deferred channels (email) carry a backlog by "
        "design; what matters is that it drains inside the response window.",
    )
    frame = queries.backlog(wh)
    if frame is None:
        return _unavailable(section, queries.KPI + " is missing or has no backlog_end", "built by dbt")
    if frame.empty:
        return _unavailable(section, queries.KPI + " has no rows", "built by dbt")
    section.parts.append(charts.backlog(frame))
    return section


def staffing(wh: Warehouse) -> Section:
    section = Section(
        "staffing",
        "Required vs scheduled agents",
        "Agents required per interval (Erlang C for real-time channels, spread workload for deferred ones) "
        "and "
        "agents to schedule after shrinkage, summed over the queues of a channel. The shaded span is the "
        "forecast. The last panel compares the center's requirement with the agents actually logged in.",
    )
    frame = queries.staffing(wh)
    if frame is None:
        return _unavailable(
            section,
            queries.STAFFING + " does not exist",
            "built after the quality gates pass; see the data-quality section",
        )
    if frame.empty:
        return _unavailable(section, queries.STAFFING + " has no rows", "built after the quality gates")
    since = frame["interval_start"].min()
    floor = queries.agents_on_floor(wh, since)
    section.parts.append(charts.staffing(frame, floor))
    return section


def backtest(wh: Warehouse) -> Section:
    section = Section(
        "backtest",
        "Forecast vs actual on the backtest week",
        "The forecast method (mean of the same weekday and interval over the previous weeks) replayed on the "
        "last complete week of history, against what actually arrived. "
        "WAPE = Σ|forecast − actual| ÷ Σ actual.",
    )
    frame = queries.backtest(wh)
    if frame is None:
        return _unavailable(section, "marts.forecast_backtest does not exist", "built with the forecast")
    if frame.empty:
        return _unavailable(
            section,
            "marts.forecast_backtest has no rows (fewer weeks than the forecast needs?)",
            "built with the forecast",
        )
    section.parts.append(charts.backtest(frame))
    section.parts.append(
        _table(frame, {"wape": lambda v: f"{v:.1%}", "week_start": lambda v: f"{pd.Timestamp(v):%Y-%m-%d}"})
    )
    return section


def quality(wh: Warehouse) -> Section:
    section = Section(
        "data-quality",
        "Data quality",
        "The latest run of the quality gates (a failed blocking expectation stops staffing), the rows that "
        "could not be loaded and why, and for every source: rows read = rows loaded + rows quarantined.",
    )
    results = queries.validation_latest(wh)
    quarantined = queries.quarantine_by_reason(wh)
    ledger = queries.ledger_totals(wh)
    missing = []
    if results is None:
        missing.append("quality.validation_results does not exist")
        section.parts.append(
            '<p class="unavailable">Not available in this warehouse: quality.validation_results '
            "does not exist (written by the quality gates).</p>"
        )
    elif results.empty:
        section.parts.append("<p>No validation run recorded yet.</p>")
    else:
        failed = results[~results["success"].astype(bool)]
        blocking = failed
        if "severity" in failed:
            blocking = failed[failed["severity"].astype(str).str.lower().isin(["error", "blocking"])]
        verdict = (
            f'<p class="bad">{len(blocking)} blocking expectation(s) failed: staffing was not rebuilt.</p>'
            if len(blocking)
            else f'<p class="good">All {len(results)} expectations of run '
            f"{html.escape(str(results['run_id'].iloc[0]))}"
            " passed or only warned.</p>"
        )
        section.parts.append(verdict)
        section.parts.append(charts.validation_summary(results))
        shown = results.drop(columns=["run_id"])
        section.parts.append(
            "<h3>Failed expectations</h3>"
            + (_table(failed.drop(columns=["run_id"])) if len(failed) else "<p>None.</p>")
        )
        section.parts.append(
            f"<details><summary>All {len(results)} expectations of the latest run</summary>"
            f"{_table(shown)}</details>"
        )
    if quarantined is None:
        missing.append("raw.quarantine does not exist")
        section.parts.append(
            '<p class="unavailable">Not available in this warehouse: raw.quarantine (or the published '
            "raw.quarantine_summary) does not exist (written by ingestion).</p>"
        )
    elif quarantined.empty:
        section.parts.append('<p class="good">No row was quarantined.</p>')
    else:
        section.parts.append(charts.quarantine(quarantined))
    if ledger is None:
        missing.append("raw.file_ledger does not exist")
        section.parts.append(
            '<p class="unavailable">Not available in this warehouse: raw.file_ledger does not '
            "exist (written by ingestion).</p>"
        )
    elif not ledger.empty:
        total = ledger.drop(columns="source").sum(numeric_only=True)
        ledger = pd.concat(
            [ledger, pd.DataFrame([{"source": "total", **total.to_dict()}])], ignore_index=True
        )
        ledger["balanced"] = (ledger["rows_read"] == ledger["rows_loaded"] + ledger["rows_quarantined"]).map(
            {True: "yes", False: "NO"}
        )
        section.parts.append(
            "<h3>Files landed</h3>"
            + _table(
                ledger,
                {
                    c: lambda v: f"{int(v):,}"
                    for c in ("files", "rows_read", "rows_loaded", "rows_quarantined")
                },
            )
        )
    if missing:
        section.note = "; ".join(missing)
        section.status = "unavailable" if len(missing) == 3 else "ok"
    return section


SECTIONS = (overview, policy, heatmaps, service_level, backlog, staffing, backtest, quality)


def build_sections(wh: Warehouse) -> list[Section]:
    sections = []
    for builder in SECTIONS:
        try:
            sections.append(builder(wh))
        except Exception as exc:  # one broken section must not hide the others
            name = builder.__name__.replace("_", "-")
            section = Section(name, name.replace("-", " ").capitalize(), "", status="error", note=str(exc))
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            section.parts.append(
                f'<div class="report-error">This section failed to render: {html.escape(detail)}</div>'
            )
            sections.append(section)
    return sections


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2937;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#cbd5e1;font-size:13px}
nav{padding:8px 32px;background:#e5e7eb;font-size:13px}nav a{margin-right:14px;color:#1f2937}
main{padding:8px 32px 40px;max-width:1400px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:14px 20px;margin:16px 0}
section h2{margin:0 0 6px;font-size:18px}section h3{font-size:14px;margin:14px 0 6px}
.intro{color:#555;font-size:13px;margin:0 0 10px;max-width:900px}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.unavailable{color:#92400e;background:#fffbeb;border-left:4px solid #f59e0b;padding:6px 10px}
.report-error{color:#991b1b;background:#fef2f2;border-left:4px solid #dc2626;padding:6px 10px}
.good{color:#166534}.bad{color:#991b1b;font-weight:bold}.small{font-size:11px;color:#666}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:13px}dt{color:#555}
"""


def render(sections: list[Section], warehouse: Path) -> str:
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.id}" class="report-section status-{s.status}"><h2>{html.escape(s.title)}</h2>'
        f'<p class="intro">{html.escape(s.intro)}</p>{"".join(s.parts)}</section>'
        for s in sections
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>asyncwfm report — {html.escape(warehouse.name)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>asyncwfm — contact-center workload report</h1>"
        f"<p>warehouse {html.escape(str(warehouse))}"
        f" · generated {generated}</p></header><nav>{nav}</nav><main>{body}</main></body></html>\n"
    )
