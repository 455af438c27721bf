#!/usr/bin/env bash
# Metadata PostgreSQL, first start only: Metabase's application database beside Airflow's.
set -euo pipefail
: "${METABASE_DB_PASSWORD:?set METABASE_DB_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v mb_password="$METABASE_DB_PASSWORD" <<'SQL'
create role metabase login password :'mb_password';
create database metabase owner metabase encoding 'UTF8';
SQL
