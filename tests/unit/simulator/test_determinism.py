"""Same seed, same bytes and the same modification times, whatever the number of worker processes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from service_quality.simulator import simulate


def _tree(root: Path) -> dict[str, tuple[bytes, float]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files_with_two_workers(xs_defects, make_zone, tmp_path):
    again = make_zone(tmp_path / "again", defects=0.05, workers=2)
    first, second = _tree(xs_defects.summary.out), _tree(again.summary.out)
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_another_seed_gives_another_chain(tmp_path):
    one = simulate("XS", date(2025, 5, 5), date(2025, 5, 11), seed=1, out=tmp_path / "one")
    two = simulate("XS", date(2025, 5, 5), date(2025, 5, 11), seed=2, out=tmp_path / "two")
    a, b = _tree(one.landing), _tree(two.landing)
    shared = set(a) & set(b)
    assert shared and all(a[name][0] != b[name][0] for name in shared if "stores" not in name)
