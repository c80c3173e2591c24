"""The customer population: one identity per customer across channels, some unknown to the directory.

Each customer has an email address, a phone, a social handle and a chat visitor id, a home time zone (used for
the offsets of the emails they send) and a contact propensity (lognormal, so a few customers write often).
About 85 % are in the ``customers`` directory, with some identifiers missing; the rest are unknown (their
contacts cannot be resolved to a customer). Directory rows are delivered on the customer's sign-up day: most
on the first day, the others spread over the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import timefmt

_DOMAINS = ("example.com", "mail.example.org", "post.example.net", "inbox.example.io")
_ZONE_P = (
    (timefmt.Z, 0.3),
    (timefmt.UTC0, 0.1),
    (timefmt.CEST, 0.2),
    (timefmt.EST, 0.25),
    (timefmt.IST, 0.05),
    (timefmt.CET, 0.1),
)


@dataclass(frozen=True)
class Population:
    customer_id: np.ndarray  # object[str]
    email: np.ndarray
    phone: np.ndarray
    handle: np.ndarray
    visitor: np.ndarray
    zone: np.ndarray  # int, timefmt zone code
    known: np.ndarray  # bool: in the directory
    has_email: np.ndarray  # bool: directory row carries the identifier
    has_phone: np.ndarray
    has_handle: np.ndarray
    has_visitor: np.ndarray
    signup_day: np.ndarray  # int, day index when the directory row is delivered
    cum_p: np.ndarray  # cumulative contact propensity, for sampling

    @property
    def size(self) -> int:
        return int(self.customer_id.size)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n customer indices drawn by propensity."""
        return np.searchsorted(self.cum_p, rng.random(n), side="right").clip(0, self.size - 1)


def make_population(rng: np.random.Generator, size: int, days: int) -> Population:
    idx = np.arange(size)
    ids = np.array([f"CUST-{i:07d}" for i in idx], dtype=object)
    domains = np.array(_DOMAINS, dtype=object)[rng.integers(0, len(_DOMAINS), size)]
    email = np.array([f"customer{i}@{d}" for i, d in zip(idx, domains, strict=True)], dtype=object)
    phone = np.array([f"+1555{2000000 + i:07d}" for i in idx], dtype=object)
    handle = np.array([f"@user_{i:x}" for i in idx * 7919 + 4099], dtype=object)
    visitor = np.array([f"vis-{i:08x}" for i in (idx * 2654435761) % (1 << 32)], dtype=object)
    codes, probs = zip(*_ZONE_P, strict=True)
    zone = rng.choice(np.array(codes), size=size, p=np.array(probs))
    known = rng.random(size) < 0.85
    has_email = rng.random(size) < 0.9
    has_phone = rng.random(size) < 0.85
    has_handle = rng.random(size) < 0.55
    has_visitor = rng.random(size) < 0.6
    signup_day = np.where(rng.random(size) < 0.75, 0, rng.integers(0, max(days, 1), size))
    weight = rng.lognormal(0.0, 1.0, size)
    cum_p = np.cumsum(weight) / weight.sum()
    return Population(
        ids,
        email,
        phone,
        handle,
        visitor,
        zone,
        known,
        has_email,
        has_phone,
        has_handle,
        has_visitor,
        signup_day,
        cum_p,
    )


def directory_rows(pop: Population, day: int) -> list[tuple]:
    """Rows of the customers file delivered on a day (known customers whose sign-up day it is)."""
    sel = np.flatnonzero(pop.known & (pop.signup_day == day))
    return [
        (
            pop.customer_id[i],
            pop.email[i] if pop.has_email[i] else None,
            pop.phone[i] if pop.has_phone[i] else None,
            pop.handle[i] if pop.has_handle[i] else None,
            pop.visitor[i] if pop.has_visitor[i] else None,
        )
        for i in sel
    ]
