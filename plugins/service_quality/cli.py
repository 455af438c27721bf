"""The project's command line: ``sqw <command>``.

Each command lives in the module that owns its work and exposes ``add_arguments(parser)`` and
``run(args) -> int``; this file only lists them, so ``sqw --help`` is the table of contents.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys

#: command -> (module, one-line help). Modules keep heavy imports inside ``run``.
COMMANDS: dict[str, tuple[str, str]] = {
    "warehouse": ("service_quality.warehouse.commands", "start, stop, reset or bootstrap the warehouse"),
    "airflow-env": ("service_quality.airflow_env", "print the environment for the project-local Airflow"),
}


def register(name: str, module: str, help_text: str) -> None:
    COMMANDS[name] = (module, help_text)


def _optional_commands() -> None:
    """Commands whose modules may not exist in every checkout stage are registered when importable."""
    for name, module, help_text in (
        ("simulate", "service_quality.simulator.commands", "write a simulated chain's landing zone"),
        ("ingest", "service_quality.ingest.commands", "ingest new deliveries from a landing zone"),
        ("replay", "service_quality.ingest.replay", "re-ingest everything from the archive"),
        ("run", "service_quality.orchestrate.commands", "run every DAG through Airflow for a date range"),
        ("demo", "service_quality.orchestrate.demo", "simulate the demo chain and run the whole pipeline on it"),
        ("report", "service_quality.attestation.commands", "render attestation reports"),
        ("bench", "service_quality.bench.commands", "run the benchmarks"),
        ("themes", "service_quality.themes.commands", "tag survey comments with themes (try a lexicon change)"),
    ):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            COMMANDS.setdefault(name, (module, help_text))


def build_parser() -> argparse.ArgumentParser:
    _optional_commands()
    parser = argparse.ArgumentParser(prog="sqw", description="Service-quality warehouse")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (module, help_text) in COMMANDS.items():
        command = importlib.import_module(module)
        sub_parser = sub.add_parser(name, help=help_text, description=(command.__doc__ or help_text).strip())
        command.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args._module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
