#!/usr/bin/env bash
# airflow-init: the official compose file's init step (metadata database migration, folders), plus the
# project's own: the SimpleAuthManager admin password from .env, the warehouse pool, the warehouse
# bootstrap (schemas, roles, grants, migrations) and, on first start, a simulated demo landing zone.
# Idempotent: every step is safe to run on each `docker compose up`.
set -euo pipefail

echo "airflow-init: checking the configuration"
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}"
mkdir -p /opt/airflow/logs /opt/airflow/config /opt/airflow/data

# SimpleAuthManager reads its users' passwords from this file (a secret: it lives on a volume, not in git).
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
user = os.environ.get("AIRFLOW_ADMIN_USER", "admin")
with open(path, "w", encoding="utf-8") as fh:
    json.dump({user: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, fh)
os.chmod(path, 0o660)
PY

# The official image's entrypoint migrates the metadata database when _AIRFLOW_DB_MIGRATE=true.
/entrypoint airflow version

echo "airflow-init: pools"
airflow pools set warehouse "${SQW_WAREHOUSE_POOL_SLOTS:-4}" "concurrent loads into the warehouse" >/dev/null

echo "airflow-init: warehouse bootstrap"
python -m service_quality.cli warehouse bootstrap

landing="${AIRFLOW_VAR_LANDING_ROOT:-/opt/airflow/data/demo/landing}"
if [ "${SQW_DEMO_DATA:-true}" = "true" ] && [ ! -d "${landing}" ]; then
    echo "airflow-init: writing the demo landing zone (${SQW_DEMO_SCALE:-XS}) to $(dirname "${landing}")"
    python -m service_quality.cli simulate --out "$(dirname "${landing}")" --scale "${SQW_DEMO_SCALE:-XS}" \
        --start "${SQW_DEMO_START:-2025-01-01}" --end "${SQW_DEMO_END:-2025-03-31}" --no-progress
fi
echo "airflow-init: done"
