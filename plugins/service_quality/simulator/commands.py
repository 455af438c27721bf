"""Write a simulated retail chain's landing zone (and, beside it, the truth about it).

Deterministic for a given seed: the same bytes and the same file modification times. Each file's
modification time is its simulated arrival time. With --defects above 0, known defects are injected
and listed in truth/cases.jsonl with the outcome the pipeline must produce.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from service_quality.simulator.scales import SCALES

    parser.add_argument("--scale", choices=list(SCALES), default="S", help="XS (unit tests), S (demo), M, L")
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first local date, YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, required=True, help="last local date, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same bytes)")
    parser.add_argument(
        "--defects", type=float, default=0.0, help="share of deliveries that carry an injected case (0 = clean)"
    )
    parser.add_argument("--out", type=Path, required=True, help="writes OUT/landing and OUT/truth")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: 1 for XS, else 2)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT/landing and OUT/truth if present")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from service_quality.simulator import simulate

    try:
        summary = simulate(
            args.scale,
            args.start,
            args.end,
            seed=args.seed,
            defects=args.defects,
            out=args.out,
            workers=args.workers,
            progress=not args.no_progress,
            overwrite=args.overwrite,
        )
    except (FileExistsError, ValueError) as error:
        print(f"sqw simulate: {error}")
        return 2
    print(f"landing zone: {summary.landing}")
    print(f"truth:        {summary.truth}")
    print(f"{summary.files} files, {summary.total_rows} rows, {summary.cases} injected cases, {summary.seconds:.1f} s")
    for source, rows in summary.rows.items():
        print(f"  {source:<14} {rows:>12,} rows")
    return 0
