"""What can be checked of the Docker deployment without Docker (the build machines cannot run it).

docker-compose.yml and the Dockerfile are read as data: structure adapted from the official Airflow 3
file, a healthcheck on every service, pinned images, no secret in the files, paths that exist, the
same lock file as the local environment, and the warehouse connection that the stack hands Airflow
really parses into the warehouse it defines.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import pytest
import yaml

from service_quality.paths import ROOT
from service_quality.warehouse.connection import parse as parse_warehouse

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
REQUIRED_SERVICES = (*AIRFLOW_SERVICES, "postgres", "redis", "warehouse", "metabase")
#: Environment keys whose value is a credential (or contains one).
SECRET_KEY = re.compile(
    r"PASSWORD|PASS$|SECRET|FERNET|_KEY$|TOKEN|_AUTH$|SQL_ALCHEMY_CONN|BROKER_URL|RESULT_BACKEND|^AIRFLOW_CONN_"
)
#: ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}``; ``$${VAR}`` is an escaped literal, not a variable.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_env() -> dict[str, str]:
    """The variables .env.example defines (commented-out lines are documented optional settings)."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match and not line.startswith("#  "):
            values.setdefault(match.group(1), match.group(2))
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Docker Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` and ``$$`` rules."""

    def substitute(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        value = env.get(name)
        if op in (":-", "-"):
            return value if value not in (None, "") or (op == "-" and value is not None) else arg
        if op in (":?", "?"):
            if value in (None, ""):
                raise KeyError(f"{name} is required: {arg}")
            return value
        return value or ""

    return INTERPOLATION.sub(substitute, text).replace("$$", "$")


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def test_adapted_from_the_official_airflow_3_file(compose):
    header = COMPOSE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "official Apache Airflow 3 docker-compose.yaml" in header
    assert "x-airflow-common" in compose, "keeps the official x-airflow-common anchor"
    assert set(REQUIRED_SERVICES) <= set(compose["services"])
    common = compose["x-airflow-common"]["environment"]
    assert common["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert "@postgres/" in common["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], "metadata DB is the postgres service"
    assert common["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"


def test_airflow_services_wait_for_init_and_backing_services(compose):
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        depends = services[name].get("depends_on") or {}
        assert depends.get("postgres", {}).get("condition") == "service_healthy", name
        assert depends.get("redis", {}).get("condition") == "service_healthy", name
        assert depends.get("warehouse", {}).get("condition") == "service_healthy", name
        if name != "airflow-init":
            assert depends.get("airflow-init", {}).get("condition") == "service_completed_successfully", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert services["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check, f"service {name} has no healthcheck"
        assert not check.get("disable"), f"service {name} disables its healthcheck"
        test = check.get("test")
        assert test and test not in (["NONE"], "NONE"), f"service {name}: healthcheck has no test"


def test_images_are_pinned(compose):
    images = {name: s["image"] for name, s in compose["services"].items() if "image" in s}
    images["x-airflow-common"] = compose["x-airflow-common"]["image"]
    base = re.search(r"^FROM\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE).group(1)
    images["Dockerfile"] = base
    for where, image in images.items():
        resolved = interpolate(image, {})
        name, _, tag = resolved.rpartition(":")
        assert name and tag, f"{where}: image {image!r} has no tag"
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{where}: image {image!r} is not pinned to a version"


def test_no_secret_is_written_in_the_compose_file(compose, example_env):
    services = dict(compose["services"], **{"x-airflow-common": compose["x-airflow-common"]})
    for name, service in services.items():
        for key, value in _environment(service).items():
            if not SECRET_KEY.search(key) or key.endswith("_FILE") or not value:
                continue
            assert INTERPOLATION.search(value), f"{name}.{key}: a literal secret; take it from .env"
            # The value may name secrets only through variables, and a required one must say so (:?).
            without_vars = INTERPOLATION.sub("", value)
            for match in INTERPOLATION.finditer(value):
                if SECRET_KEY.search(match.group(1)) and "PORT" not in match.group(1):
                    assert match.group(2) == ":?", f"{name}.{key}: secret ${{{match.group(1)}}} must be required (:?)"
            assert not re.search(r"://[^:/@\s]*:[^@\s$]+@", without_vars), f"{name}.{key}: literal credentials"
            assert not re.search(r'"password":\s*"[^"$]', without_vars), f"{name}.{key}: literal password"
    text = COMPOSE.read_text(encoding="utf-8")
    for line in text.splitlines():
        assert "change-me" not in line, "placeholder secret copied into the compose file"


def test_every_variable_is_documented_in_env_example(example_env):
    used = {m.group(1) for m in INTERPOLATION.finditer(COMPOSE.read_text(encoding="utf-8"))}
    undocumented = used - set(example_env) - {"AIRFLOW_PROJ_DIR"}
    assert not undocumented, f"variables used by docker-compose.yml but missing from .env.example: {undocumented}"


def test_env_file_is_git_ignored_and_example_is_committed():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0, ".env must be git-ignored"
    example = subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT)
    assert example.returncode == 1, ".env.example must not be ignored"


def test_compose_resolves_with_the_example_env_and_fails_without_secrets(example_env):
    text = COMPOSE.read_text(encoding="utf-8")
    resolved = yaml.safe_load(interpolate(text, example_env))
    common = resolved["x-airflow-common"]["environment"]
    warehouse = parse_warehouse(common["AIRFLOW_CONN_WAREHOUSE"])
    service = resolved["services"]["warehouse"]["environment"]
    assert (warehouse.host, warehouse.port) == ("warehouse", 5432)
    assert (warehouse.user, warehouse.dbname) == (service["POSTGRES_USER"], service["POSTGRES_DB"])
    assert warehouse.password == service["POSTGRES_PASSWORD"] == example_env["WAREHOUSE_OWNER_PASSWORD"]
    missing = dict(example_env, WAREHOUSE_OWNER_PASSWORD="")
    with pytest.raises(KeyError, match="WAREHOUSE_OWNER_PASSWORD"):
        interpolate(text, missing)


def _bind_sources(compose: dict) -> list[str]:
    services = dict(compose["services"], **{"x-airflow-common": compose["x-airflow-common"]})
    sources = []
    for service in services.values():
        for volume in service.get("volumes") or []:
            source = interpolate(volume, {}).split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith(("./", "../", ".")):
                sources.append(source)
    return sources


def test_mounted_and_copied_paths_exist(compose):
    sources = _bind_sources(compose)
    for folder in ("dags", "plugins", "dbt_project", "expectations"):
        assert f"./{folder}" in sources, f"{folder}/ is mounted"
    for source in sources:
        assert (ROOT / source).exists(), f"docker-compose.yml mounts {source}, which does not exist"
    build = compose["x-airflow-common"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY"):
            parts = [p for p in line.split()[1:] if not p.startswith("--")]
            for source in parts[:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    # The one-shot scripts the stack runs.
    for script in ("deploy/airflow-init.sh", "deploy/metabase/setup.py"):
        assert (ROOT / script).is_file()


def test_scripts_are_valid():
    for script in sorted((ROOT / "deploy").rglob("*.sh")):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
    compile((ROOT / "deploy/metabase/setup.py").read_text(encoding="utf-8"), "setup.py", "exec")


def test_image_is_built_from_the_same_lock_file():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {p["name"]: p["version"] for p in lock["package"]}
    base = re.search(r"^FROM apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)", dockerfile, re.MULTILINE)
    assert base, "the image is built FROM the official apache/airflow image"
    assert base.group(1) == locked["apache-airflow"], "base image Airflow version = the locked apache-airflow"
    assert base.group(2) == "3.11", "Python 3.11, as the project requires"
    assert re.search(r"^COPY .*\buv\.lock\b", dockerfile, re.MULTILINE), "uv.lock is copied into the build"
    assert "uv export" in dockerfile and "--frozen" in dockerfile, "dependencies come from the lock, unchanged"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    make_uv = re.search(r'"uv==([\d.]+)"', makefile).group(1)
    assert re.search(rf"UV_VERSION={re.escape(make_uv)}\b", dockerfile), "same uv release as the Makefile"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", ".local"} <= set(ignored), "secrets and local state stay out of the build context"


def test_bi_tool_connects_as_bi_reader_to_the_published_schemas(compose):
    setup = compose["services"]["metabase-setup"]
    assert setup["environment"]["WAREHOUSE_HOST"].startswith("${WAREHOUSE_HOST")
    source = (ROOT / "deploy/metabase/setup.py").read_text(encoding="utf-8")
    assert '"user": "bi_reader"' in source
    from service_quality.warehouse.bootstrap import BI_READER, PUBLISHED_SCHEMAS

    assert BI_READER == "bi_reader"
    assert f'PUBLISHED_SCHEMAS = "{",".join(PUBLISHED_SCHEMAS)}"' in source
    roles = (ROOT / "deploy/warehouse/initdb/10-roles.sh").read_text(encoding="utf-8")
    for role in ("loader", "transformer", "bi_reader"):
        assert f"create role {role} login password" in roles


def test_demo_data_is_generated_by_the_init_step(compose):
    init = (ROOT / "deploy/airflow-init.sh").read_text(encoding="utf-8")
    assert "service_quality.cli warehouse bootstrap" in init
    assert "service_quality.cli simulate" in init
    common = compose["x-airflow-common"]["environment"]
    assert common["AIRFLOW_VAR_LANDING_ROOT"].endswith("/demo/landing}")
    assert compose["services"]["airflow-init"]["command"] == ["/opt/airflow/deploy/airflow-init.sh"]
    assert json.loads(json.dumps(common))  # plain strings only: every value survives a round trip
