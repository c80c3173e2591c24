"""Timestamps: the simulator keeps UTC epoch seconds (int64) and formats them only when writing.

Every landing timestamp is ISO 8601 with an explicit offset (SPEC §2). Each row carries a time-zone code: the
same instant is written in the local time of that zone with its offset, so the files mix ``Z``, ``+00:00``,
``+02:00``, ``-05:00``, ``+05:30`` and ``+01:00`` the way real exports from different systems do.
"""

from __future__ import annotations

import numpy as np

# code -> (suffix, offset seconds)
ZONES: tuple[tuple[str, int], ...] = (
    ("Z", 0),
    ("+00:00", 0),
    ("+02:00", 7200),
    ("-05:00", -18000),
    ("+05:30", 19800),
    ("+01:00", 3600),
)
Z, UTC0, CEST, EST, IST, CET = range(len(ZONES))
_SUFFIX = np.array([z[0] for z in ZONES], dtype=object)
_OFFSET = np.array([z[1] for z in ZONES], dtype=np.int64)
MISSING = np.iinfo(np.int64).min  # an empty timestamp cell (e.g. answered_at of an abandoned call)


def iso(seconds: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Format UTC epoch seconds as ISO 8601 strings in the given zones (vectorized); MISSING -> None."""
    seconds = np.asarray(seconds, dtype=np.int64)
    zones = np.asarray(zones, dtype=np.int64)
    missing = seconds == MISSING
    local = np.where(missing, 0, seconds) + _OFFSET[zones]
    text = np.datetime_as_string(local.astype("datetime64[s]"), unit="s").astype(object) + _SUFFIX[zones]
    if missing.any():
        text[missing] = None
    return text


def day_string(epoch_day: int) -> str:
    """'YYYY-MM-DD' of a UTC epoch day number."""
    return str(np.datetime64(int(epoch_day), "D"))
