#!/usr/bin/env bash
# Warehouse PostgreSQL, first start only: the three roles as login roles with their passwords from .env.
# Schemas, privileges and tables are the project's bootstrap (`sqw warehouse bootstrap`, run by
# airflow-init and by the warehouse_bootstrap DAG); it keeps roles that already exist, so the
# passwords set here stay and the BI tool can connect as bi_reader (read-only: service_quality, attestation).
set -euo pipefail
: "${LOADER_PASSWORD:?}" "${TRANSFORMER_PASSWORD:?}" "${BI_READER_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v loader_pw="$LOADER_PASSWORD" -v transformer_pw="$TRANSFORMER_PASSWORD" -v bi_pw="$BI_READER_PASSWORD" <<'SQL'
create role loader login password :'loader_pw';
create role transformer login password :'transformer_pw';
create role bi_reader login password :'bi_pw';
-- Nobody but the owner creates objects in public; bi_reader sees only what the bootstrap grants.
revoke create on schema public from public;
SQL
