"""Charts of the report as inline SVG strings (matplotlib, no network, no JavaScript).

Each function takes the frame of one query (orchestration/report/queries.py) and returns ``<svg …>…</svg>``.
Titles name the measure, axes carry units, colours are fixed per channel so the sections read alike.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib

matplotlib.use("Agg")  # no display: render to SVG strings only

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

CHANNEL_ORDER = ("voice", "chat", "email", "sms", "social")
CHANNEL_COLORS = {
    "voice": "#1f77b4",
    "chat": "#ff7f0e",
    "email": "#2ca02c",
    "sms": "#9467bd",
    "social": "#d62728",
}
APPROACH_COLORS = ["#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd"]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_STYLE = {
    "svg.fonttype": "none",  # text stays text: smaller files, selectable labels
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}


def channels_of(values) -> list[str]:
    """Channels in the report's fixed order, unknown ones after."""
    present = [str(v) for v in pd.unique(pd.Series(values).dropna())]
    return [c for c in CHANNEL_ORDER if c in present] + sorted(c for c in present if c not in CHANNEL_ORDER)


def color(channel: str) -> str:
    return CHANNEL_COLORS.get(channel, "#7f7f7f")


def to_svg(fig, name: str) -> str:
    """Render and close ``fig``; ids are salted with ``name`` so several inline SVGs never share an id."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": name}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML declaration and DOCTYPE: this goes inline in HTML
    text = re.sub(r"<metadata>.*?</metadata>", "", text, count=1, flags=re.S)  # creator/date RDF block
    return text.replace("<svg ", f'<svg class="chart" data-chart="{name}" role="img" ', 1)


def _grid(n: int, cols: int, width: float, height: float, **kwargs):
    rows = max(1, math.ceil(n / cols))
    cols = min(cols, max(n, 1))
    fig, axes = plt.subplots(rows, cols, figsize=(width, height * rows), squeeze=False, **kwargs)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _minutes(value, _pos=None) -> str:
    return f"{value / 60:.0f}" if value >= 600 else f"{value / 60:.1f}"


# --- policy comparison --------------------------------------------------------------------------------------


def policy_comparison(frame: pd.DataFrame) -> str:
    """Contacts and AHT per counting approach, one column of panels per channel."""
    with plt.rc_context(_STYLE):
        channels = channels_of(frame["channel"])
        approaches = list(dict.fromkeys(frame["approach"]))
        fig, axes = plt.subplots(2, len(channels), figsize=(2.6 * len(channels) + 1, 6.2), squeeze=False)
        for i, channel in enumerate(channels):
            part = frame[frame["channel"] == channel].set_index("approach").reindex(approaches)
            x = np.arange(len(approaches))
            colors = [APPROACH_COLORS[j % len(APPROACH_COLORS)] for j in range(len(approaches))]
            top, bottom = axes[0][i], axes[1][i]
            configured = part.get("is_configured", pd.Series(False, index=part.index)).fillna(False)
            edges = ["black" if flag else "none" for flag in configured.astype(bool)]
            contacts = part["contacts"].fillna(0)
            top.bar(x, contacts, color=colors, edgecolor=edges, linewidth=1.5)
            bottom.bar(x, (part["aht_seconds"] / 60).fillna(0), color=colors, edgecolor=edges, linewidth=1.5)
            for xi, flag in enumerate(configured.astype(bool)):
                if flag:
                    top.annotate("★", (xi, contacts.iloc[xi]), ha="center", va="bottom", fontsize=11)
            top.set_title(channel)
            for ax in (top, bottom):
                ax.set_xticks(x, approaches, rotation=40, ha="right")
                ax.grid(axis="x", visible=False)
            top.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
            if i == 0:
                top.set_ylabel("contacts in period")
                bottom.set_ylabel("AHT (minutes)")
        fig.suptitle(
            "Same work, five counting approaches: contacts (top) and average handle time (bottom); "
            "★ outlined = the policy's approach",
            fontweight="bold",
        )
        fig.tight_layout()
        return to_svg(fig, "policy_comparison")


# --- heatmaps -----------------------------------------------------------------------------------------------


def weekly_heatmaps(profile: pd.DataFrame, minutes: int) -> str:
    """Weekday × interval-of-day heatmaps per channel: mean contacts offered, and mean workload in agents."""
    with plt.rc_context(_STYLE):
        channels = channels_of(profile["channel"])
        slots = 24 * 60 // minutes
        fig, axes = plt.subplots(len(channels), 2, figsize=(13, 1.9 * len(channels) + 0.8), squeeze=False)
        measures = (
            ("contacts", "contacts offered per interval", "Blues"),
            ("workload_agents", "workload (agents busy = handle s ÷ interval s)", "Oranges"),
        )
        for r, channel in enumerate(channels):
            part = profile[profile["channel"] == channel]
            for c, (column, label, cmap) in enumerate(measures):
                grid = np.zeros((7, slots))
                rows = (part["weekday"].astype(int) - 1).to_numpy()
                cols = (part["minute_of_day"].astype(int) // minutes).clip(0, slots - 1).to_numpy()
                grid[rows, cols] = part[column].fillna(0).to_numpy()
                ax = axes[r][c]
                image = ax.imshow(
                    grid, aspect="auto", cmap=cmap, interpolation="nearest", extent=(0, 24, 6.5, -0.5)
                )
                ax.set_yticks(range(7), WEEKDAYS)
                ax.set_xticks(range(0, 25, 3))
                ax.grid(False)
                ax.set_title(f"{channel}: mean {label}", loc="left")
                if r == len(channels) - 1:
                    ax.set_xlabel("hour of day (site time)")
                bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
                bar.ax.tick_params(labelsize=7)
        fig.suptitle(
            f"Weekly pattern, {minutes}-minute intervals: volume (left) and workload (right)",
            fontweight="bold",
        )
        fig.tight_layout()
        return to_svg(fig, "heatmaps")


# --- service level and backlog ------------------------------------------------------------------------------


def service_level(daily: pd.DataFrame, goals: pd.DataFrame) -> str:
    with plt.rc_context(_STYLE):
        channels = channels_of(daily["channel"])
        fig, axes = _grid(len(channels), 3, 13, 2.8, sharey=True)
        goal = goals.set_index("channel") if len(goals) else None
        for ax, channel in zip(axes, channels, strict=True):
            part = daily[daily["channel"] == channel]
            ax.plot(
                pd.to_datetime(part["day"]),
                part["service_level"],
                color=color(channel),
                marker="o",
                markersize=3,
                label="achieved",
            )
            title = channel
            if (
                goal is not None
                and channel in goal.index
                and pd.notna(goal.loc[channel, "service_level_goal"])
            ):
                value = float(goal.loc[channel, "service_level_goal"])
                target = goal.loc[channel, "service_target_seconds"]
                ax.axhline(value, color="black", linestyle="--", linewidth=1, label=f"goal {value:.0%}")
                title = f"{channel}: goal {value:.0%} within {_duration(target)}"
                ax.legend(loc="best", fontsize=8)
            ax.set_title(title, loc="left")
            ax.set_ylim(0, 1.05)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
            ax.tick_params(axis="x", rotation=30)
            ax.set_ylabel("answered within target (%)")
        fig.suptitle("Daily service level against goal", fontweight="bold")
        fig.tight_layout()
        return to_svg(fig, "service_level")


def _duration(seconds) -> str:
    if seconds is None or pd.isna(seconds):
        return "target"
    seconds = float(seconds)
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def backlog(frame: pd.DataFrame) -> str:
    """Backlog per channel; over more than a week, the hourly mean of the interval values (readable lines)."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(13, 3.6))
        times = pd.to_datetime(frame["interval_start"])
        hourly = times.max() - times.min() > pd.Timedelta(days=7)
        for channel in channels_of(frame["channel"]):
            part = frame[frame["channel"] == channel].assign(t=times.dt.floor("h") if hourly else times)
            if hourly:
                part = part.groupby("t", as_index=False)["backlog"].mean()
            ax.plot(part["t"], part["backlog"], color=color(channel), linewidth=1, label=channel)
        what = "hourly mean of the interval-end values" if hourly else "at the end of each interval"
        ax.set_title(f"Backlog: threads awaiting an agent, {what} (all queues)", loc="left")
        ax.set_ylabel("threads waiting")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.legend(ncols=5, fontsize=8, loc="upper left")
        fig.tight_layout()
        return to_svg(fig, "backlog")


# --- staffing -----------------------------------------------------------------------------------------------


def staffing(frame: pd.DataFrame, floor: pd.DataFrame | None) -> str:
    with plt.rc_context(_STYLE):
        channels = channels_of(frame["channel"])
        panels = len(channels) + (1 if floor is not None and len(floor) else 0)
        fig, axes = _grid(panels, 1, 13, 2.3)
        for ax, channel in zip(axes, channels, strict=False):
            part = frame[frame["channel"] == channel]
            times = pd.to_datetime(part["interval_start"])
            ax.step(
                times,
                part["scheduled_agents"],
                where="post",
                color=color(channel),
                linewidth=1,
                linestyle="--",
                label="scheduled (after shrinkage)",
            )
            ax.step(
                times,
                part["required_agents"],
                where="post",
                color=color(channel),
                linewidth=1.2,
                label="required",
            )
            _shade_forecast(ax, part)
            ax.set_title(f"{channel}: agents required per interval", loc="left")
            ax.set_ylabel("agents")
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
            ax.legend(ncols=3, fontsize=8, loc="upper left")
        if panels > len(channels):
            ax = axes[-1]
            total = frame.groupby("interval_start", as_index=False)[
                ["required_agents", "scheduled_agents"]
            ].sum()
            ax.step(
                pd.to_datetime(total["interval_start"]),
                total["scheduled_agents"],
                where="post",
                color="black",
                linestyle="--",
                linewidth=1,
                label="scheduled needed (all channels)",
            )
            ax.step(
                pd.to_datetime(total["interval_start"]),
                total["required_agents"],
                where="post",
                color="black",
                linewidth=1.2,
                label="required (all channels)",
            )
            ax.step(
                pd.to_datetime(floor["interval_start"]),
                floor["agents"],
                where="post",
                color="#17becf",
                linewidth=1.2,
                label="logged in (busy + available)",
            )
            _shade_forecast(ax, frame)
            ax.set_title("whole center: required against agents actually logged in", loc="left")
            ax.set_ylabel("agents")
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
            ax.legend(ncols=4, fontsize=8, loc="upper left")
        fig.suptitle(
            "Required vs scheduled agents (last week of history, then the forecast, shaded)",
            fontweight="bold",
        )
        fig.tight_layout()
        return to_svg(fig, "staffing")


def _shade_forecast(ax, part: pd.DataFrame) -> None:
    if "is_forecast" not in part or not part["is_forecast"].any():
        return
    times = pd.to_datetime(part.loc[part["is_forecast"].astype(bool), "interval_start"])
    ax.axvspan(times.min(), times.max(), color="grey", alpha=0.12, label="forecast")


# --- forecast backtest --------------------------------------------------------------------------------------


def backtest(frame: pd.DataFrame) -> str:
    with plt.rc_context(_STYLE):
        labels = [f"{q}\n({c})" for q, c in zip(frame["queue_id"], frame["channel"], strict=True)]
        x = np.arange(len(frame))
        fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(frame) + 2), 4))
        ax.bar(x - 0.2, frame["actual_contacts"], width=0.4, color="#4c72b0", label="actual")
        ax.bar(x + 0.2, frame["forecast_contacts"], width=0.4, color="#dd8452", label="forecast")
        for xi, (actual, forecast, wape) in enumerate(
            zip(frame["actual_contacts"], frame["forecast_contacts"], frame["wape"], strict=True)
        ):
            if pd.notna(wape):
                ax.annotate(
                    f"WAPE {wape:.0%}",
                    (xi, max(actual, forecast)),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 3),
                    textcoords="offset points",
                )
        ax.set_xticks(x, labels, fontsize=8)
        ax.grid(axis="x", visible=False)
        top = np.nanmax(frame[["actual_contacts", "forecast_contacts"]].to_numpy(dtype=float), initial=1.0)
        ax.set_ylim(0, top * 1.25)
        ax.set_ylabel("contacts in the week")
        week = frame["week_start"].dropna()
        when = f" of {pd.Timestamp(week.iloc[0]):%d %b %Y}" if len(week) else ""
        ax.set_title(f"Forecast vs actual contacts on the backtest week{when}, per queue", loc="left")
        ax.legend(fontsize=8, ncols=2, loc="upper right")
        fig.tight_layout()
        return to_svg(fig, "backtest")


# --- data quality -------------------------------------------------------------------------------------------


def validation_summary(results: pd.DataFrame) -> str:
    """Expectations passed and failed per suite in the latest validation run."""
    with plt.rc_context(_STYLE):
        success = results["success"].astype(bool)
        counts = (
            pd.DataFrame({"suite": results["suite"].astype(str), "passed": success, "failed": ~success})
            .groupby("suite")[["passed", "failed"]]
            .sum()
            .sort_index(ascending=False)
        )
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(counts) + 1.3))
        y = np.arange(len(counts))
        ax.barh(y, counts["passed"], color="#55a868", label="passed")
        ax.barh(y, counts["failed"], left=counts["passed"], color="#c44e52", label="failed")
        ax.set_yticks(y, counts.index)
        ax.set_xlabel("expectations")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        ax.set_title("Latest validation run: expectations per suite", loc="left")
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        return to_svg(fig, "validation")


def quarantine(frame: pd.DataFrame, top: int = 15) -> str:
    """Quarantined rows by source and reason (the ``top`` most frequent)."""
    with plt.rc_context(_STYLE):
        part = frame.head(top).iloc[::-1]
        labels = [f"{s}: {_short(r)}" for s, r in zip(part["source"], part["reason"], strict=True)]
        fig, ax = plt.subplots(figsize=(9, 0.4 * len(part) + 1.3))
        ax.barh(np.arange(len(part)), part["rows"], color="#8172b2")
        ax.set_yticks(np.arange(len(part)), labels, fontsize=8)
        ax.set_xlabel("rows quarantined")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        ax.set_title("Quarantined rows by source and reason", loc="left")
        fig.tight_layout()
        return to_svg(fig, "quarantine")


def _short(text, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
