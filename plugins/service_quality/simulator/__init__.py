"""The demo-chain simulator: writes a landing zone exactly as DATA_CONTRACTS.md specifies, plus its truth.

``simulate(scale, start, end, seed, defects, out) -> Summary`` is the Python entry point; the command
line is ``sqw simulate`` (:mod:`service_quality.simulator.commands`).
"""

from __future__ import annotations

from service_quality.simulator.engine import Summary, simulate
from service_quality.simulator.scales import SCALES

__all__ = ["SCALES", "Summary", "simulate"]
