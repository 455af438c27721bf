"""Loading the project's Airflow plugin is cheap: its FastAPI app is built only for the API server."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import service_quality_plugin
plugin = service_quality_plugin.ServiceQualityPlugin()
before = {m: m in sys.modules for m in ("fastapi", "airflow.api_fastapi.core_api.security")}
routes = [(type(r).__name__, getattr(r, "path", "")) for r in plugin.fastapi_apps[0]["app"].routes]
print(json.dumps({"before": before, "routes": routes}))
"""


def test_loading_the_plugin_does_not_build_its_app():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True)
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["before"] == {"fastapi": False, "airflow.api_fastapi.core_api.security": False}
    # Served through routes (which take the app's security dependency), never through a static mount.
    assert ["APIRoute", "/{slug}/{path:path}"] in probe["routes"]
    assert not [r for r in probe["routes"] if r[0] == "Mount"], probe["routes"]
