"""Writing simulated days: landing files (with optional faults), in a second process.

The day loop simulates day *d + 1* while a writer process renders, serializes, injects faults into and writes
day *d* — the two halves take similar time, so on two cores the run is close to twice as fast. The writer
handles days strictly in order with its own fault generator, so the bytes are the same as writing in-process
(``workers=0``), which the tests check. The child runs only pure-Python/numpy code (landing files and the
truth's CSV parts; no DuckDB, no pyarrow), so forking a parent that has thread pools running is safe.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from orchestration.landing import SOURCES
from simulator import truth, writer
from simulator.faults import FaultInjector
from simulator.records import DayBuffer


@dataclass
class Written:
    rows: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SOURCES})
    files: int = 0
    bytes: int = 0
    faults: int = 0

    def add(self, other: Written) -> None:
        for s, n in other.rows.items():
            self.rows[s] += n
        self.files += other.files
        self.bytes += other.bytes
        self.faults += other.faults


class DayWriter:
    """Writes one day at a time, in day order."""

    def __init__(self, out: Path, truth_dir: Path, days: int, fault_seed: list[int] | None) -> None:
        self.out = out
        self.parts = truth.TruthParts(truth_dir)
        self.injector = (
            FaultInjector(np.random.default_rng(fault_seed), days) if fault_seed is not None else None
        )

    def write_day(self, day: int, dt: str, buf: DayBuffer) -> Written:
        done = Written()
        injector = self.injector
        landing = buf.landing
        self.parts.add_day(day, buf.events, buf.segments)
        for source in SOURCES:
            records = writer.to_records(source, writer.render(source, landing.get(source, [])))
            name = writer.file_name(source, dt)
            if injector is not None:
                records = injector.mutate(source, day, dt, name, records)
            lines = writer.serialize(source, records)
            if injector is not None:
                lines = injector.finish_file(source, day, dt, name, lines)
            done.rows[source] += len(records)
            if len(lines) > (1 if SOURCES[source].format == "csv" else 0):
                done.bytes += writer.write_lines(self.out, writer.rel_path(source, dt, name), lines)
                done.files += 1
        if injector is not None:
            for rel, lines in injector.extra_files(day, dt):
                done.bytes += writer.write_lines(self.out, rel, lines)
                done.files += 1
        return done

    def close(self, manifest: Path) -> Written:
        done = Written()
        if self.injector is not None:
            done.faults = self.injector.write_manifest(manifest, self.out)
        return done


def _serve(args: tuple, jobs: mp.Queue, results: mp.Queue) -> None:
    try:
        day_writer = DayWriter(*args)
        total = Written()
        while (job := jobs.get()) is not None:
            total.add(day_writer.write_day(*job))
        manifest = jobs.get()
        total.add(day_writer.close(manifest))
        results.put(("ok", total))
    except BaseException as exc:  # report to the parent instead of hanging it
        results.put(("error", repr(exc)))
        raise


class Output:
    """In-process (``workers=0``) or one writer process (``workers=1``), same interface and same bytes."""

    def __init__(
        self, out: Path, truth_dir: Path, days: int, fault_seed: list[int] | None, workers: int = 1
    ) -> None:
        args = (out, truth_dir, days, fault_seed)
        self.proc = None
        if workers > 0 and "fork" in mp.get_all_start_methods():
            ctx = mp.get_context("fork")
            self.jobs: mp.Queue = ctx.Queue(maxsize=2)  # bounded: at most a few days in flight
            self.results: mp.Queue = ctx.Queue()
            self.proc = ctx.Process(target=_serve, args=(args, self.jobs, self.results), daemon=True)
            self.proc.start()
        else:
            self.writer = DayWriter(*args)
            self.total = Written()

    def _check(self) -> None:
        if self.proc is not None and not self.proc.is_alive():
            raise RuntimeError(f"simulator writer process died: {self._result()}")

    def _result(self):
        try:
            return self.results.get(timeout=1)
        except queue.Empty:
            return ("error", f"exit code {self.proc.exitcode}")

    def write_day(self, day: int, dt: str, buf: DayBuffer) -> None:
        if self.proc is None:
            self.total.add(self.writer.write_day(day, dt, buf))
            return
        while True:
            self._check()
            try:
                self.jobs.put((day, dt, buf), timeout=5)
                return
            except queue.Full:
                continue

    def close(self, manifest: Path) -> Written:
        if self.proc is None:
            self.total.add(self.writer.close(manifest))
            return self.total
        self.jobs.put(None)
        self.jobs.put(manifest)
        while True:
            try:
                status, value = self.results.get(timeout=5)
                break
            except queue.Empty:
                self._check()
        self.proc.join()
        if status != "ok":
            raise RuntimeError(f"simulator writer process failed: {value}")
        return value
