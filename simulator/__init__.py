"""Contact-center simulator: ``generate`` writes a realistic synthetic landing zone (SPEC §2).

See :func:`simulator.engine.generate`; ``simulator.cli`` wires it to ``asyncwfm generate``.
"""

from simulator.engine import DEFAULT_START, Summary, generate

__all__ = ["DEFAULT_START", "Summary", "generate"]
