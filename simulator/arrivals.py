"""Time-varying Poisson arrivals with intraday and weekly seasonality.

A day is cut into 96 quarter-hours; each channel has an intraday shape (a mixture of Gaussian bumps over a
night floor, in UTC which is also the site time) and a weekday multiplier. The count in each quarter-hour is
Poisson(mean * shape), and arrivals are spread uniformly inside their quarter-hour: a non-homogeneous Poisson
process with a piecewise-constant rate, drawn in a few numpy calls per day.
"""

from __future__ import annotations

import numpy as np

BINS = 96
BIN_SECONDS = 900

# (peak hour, width hours, weight) bumps over a floor, per channel.
_SHAPES: dict[str, tuple[float, tuple[tuple[float, float, float], ...]]] = {
    "voice": (0.01, ((10.5, 1.6, 1.0), (14.5, 1.8, 0.85), (18.5, 1.2, 0.35))),
    "chat": (0.04, ((11.0, 2.0, 0.9), (15.0, 2.0, 0.8), (20.0, 1.5, 0.55))),
    "email": (0.15, ((9.0, 1.8, 1.0), (14.0, 2.5, 0.7), (20.5, 2.0, 0.35))),
    "sms": (0.06, ((12.0, 2.5, 0.8), (18.5, 2.0, 1.0))),
    "social": (0.10, ((13.0, 3.0, 0.8), (20.5, 2.0, 1.0))),
}
# Monday..Sunday multipliers.
_WEEKLY: dict[str, tuple[float, ...]] = {
    "voice": (1.25, 1.1, 1.05, 1.0, 0.95, 0.4, 0.25),
    "chat": (1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45),
    "email": (1.3, 1.1, 1.0, 1.0, 0.9, 0.4, 0.3),
    "sms": (1.1, 1.0, 1.0, 1.0, 1.0, 0.6, 0.5),
    "social": (1.0, 1.0, 1.0, 1.0, 1.05, 0.8, 0.75),
}


def intraday_shape(channel: str) -> np.ndarray:
    """Relative arrival rate per quarter-hour (96 values, mean 1)."""
    floor, bumps = _SHAPES[channel]
    hours = (np.arange(BINS) + 0.5) / 4.0
    rate = np.full(BINS, floor)
    for peak, width, weight in bumps:
        rate += weight * np.exp(-0.5 * ((hours - peak) / width) ** 2)
    return rate / rate.mean()


def weekday_factor(channel: str, weekday: int) -> float:
    """Multiplier of a channel's mean daily volume on a weekday (0 = Monday)."""
    return _WEEKLY[channel][weekday]


def arrival_times(
    rng: np.random.Generator, day_start: int, weekday: int, daily_mean: float, channel: str
) -> np.ndarray:
    """Sorted arrival instants (UTC epoch seconds) of one channel on one day."""
    mean_per_bin = daily_mean * weekday_factor(channel, weekday) * intraday_shape(channel) / BINS
    counts = rng.poisson(mean_per_bin)
    bins = np.repeat(np.arange(BINS, dtype=np.int64), counts)
    offsets = rng.integers(0, BIN_SECONDS, size=bins.size)
    return np.sort(day_start + bins * BIN_SECONDS + offsets)
