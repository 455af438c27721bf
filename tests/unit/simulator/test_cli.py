"""``sqw simulate`` writes a landing zone and refuses to mix its output with an earlier one."""

from __future__ import annotations

import json

from service_quality.cli import main


def test_simulate_command_writes_every_source(tmp_path, capsys):
    argv = ["simulate", "--scale", "XS", "--start", "2025-06-02", "--end", "2025-06-15", "--seed", "5"]
    argv += ["--defects", "0.02", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "injected cases" in printed
    sources = {p.name for p in (tmp_path / "landing").iterdir()}
    assert sources == {
        "stores",
        "employees",
        "assignments",
        "shifts",
        "sales",
        "traffic",
        "surveys",
        "audit_visits",
        "audit_answers",
    }
    manifest = json.loads((tmp_path / "truth" / "manifest.json").read_text())
    assert manifest["parameters"] == {
        "scale": "XS",
        "start": "2025-06-02",
        "end": "2025-06-15",
        "seed": 5,
        "defects": 0.02,
    }
    assert all(manifest["sources"][s]["rows"] > 0 for s in sources)

    assert main(argv) == 2  # the output folder is not empty
    assert "--overwrite" in capsys.readouterr().out
    assert main([*argv, "--overwrite"]) == 0
