"""Run the benchmarks and write ``benchmarks/results/latest.json`` and ``latest.md``.

Every target is a ratio measured side by side in the same run, because the machine may be shared.
``--only`` runs a subset; the other benchmarks' earlier results stay in ``latest.json``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import time
import traceback

log = logging.getLogger(__name__)

#: benchmark name -> module with ``run(scale) -> list[Measurement]``, in the order they run.
BENCHMARKS: dict[str, str] = {
    "parse": "service_quality.bench.parse_time",
    "memory": "service_quality.bench.memory",
    "ingest": "service_quality.bench.ingestion",
    "transform": "service_quality.bench.transform",
    "incremental": "service_quality.bench.incremental",
    "e2e": "service_quality.bench.end_to_end",
    "ops_page": "service_quality.bench.ops_page",
    "reports": "service_quality.bench.reports",
    "themes": "service_quality.bench.themes",
}
SCALES = ("S", "M")


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.replace(" ", ",").split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=SCALES, default="S", help="simulated chain size (default S)")
    parser.add_argument("--only", type=_names, default=None, help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument(
        "--results-dir", default=None, help="where latest.json / latest.md go (default benchmarks/results)"
    )


def run(args: argparse.Namespace) -> int:
    import signal
    from pathlib import Path

    from service_quality.bench import results

    def _terminate(signum, frame):  # run the ``finally`` blocks: benchmark databases get dropped
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, _terminate)
    for noisy in ("great_expectations", "great_expectations.expectations.expectation"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    names = args.only or list(BENCHMARKS)
    results_dir = Path(args.results_dir) if args.results_dir else results.RESULTS_DIR
    host = results.machine()
    log.info(
        "benchmarks %s at scale %s on %s (%s cores), load %s",
        names,
        args.scale,
        host["cpu"],
        host["cores"],
        host["load_average_1m"],
    )
    failed: list[str] = []
    for name in names:
        started = time.monotonic()
        log.info("benchmark %s: starting", name)
        try:
            module = importlib.import_module(BENCHMARKS[name])
            records = module.run(args.scale)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            log.error("benchmark %s failed: %s\n%s", name, exc, traceback.format_exc())
            failed.append(name)
            continue
        doc = results.DOC_PATH if args.results_dir is None else None
        results.write(records, results_dir, host, doc)
        for m in records:
            flag = "" if m.met is None else ("  met" if m.met else "  MISSED")
            log.info("  %-45s %12.4f %-6s %-8s%s", m.name, m.value, m.unit, m.target or "", flag)
        log.info("benchmark %s: done in %.0f s", name, time.monotonic() - started)
    print(f"results: {results_dir / 'latest.json'} and {results_dir / 'latest.md'}")
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}")
        return 1
    return 0
