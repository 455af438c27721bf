# syntax=docker/dockerfile:1
# The project's Airflow image: the official Apache Airflow 3.3.2 image (Python 3.11) plus exactly the
# dependencies pinned in uv.lock, the same lock file the local .venv is built from (`make setup`).
# Built by `docker compose build` (docker-compose.yml); usable on its own (e.g. KubernetesExecutor):
# the project's code is copied in, and docker-compose.yml mounts the live folders over it.
FROM apache/airflow:3.3.2-python3.11

# The uv release the Makefile uses to sync the lock file.
ARG UV_VERSION=0.13.8

USER airflow
WORKDIR /opt/airflow

# 1. Dependencies from the lock file (cached until pyproject.toml or uv.lock change).
#    `uv export --frozen` fails if the lock is out of date; the project itself is not installed:
#    Airflow puts plugins/ on sys.path and PYTHONPATH names it for the `sqw` commands.
COPY --chown=airflow:0 pyproject.toml uv.lock README.md /opt/airflow/lock/
RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && uv export --project /opt/airflow/lock --frozen --no-dev --no-emit-project --no-hashes \
        --format requirements-txt --output-file /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 2. The project (docker-compose.yml mounts these folders over the copies, for development).
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 dbt_project /opt/airflow/dbt_project
COPY --chown=airflow:0 expectations /opt/airflow/expectations
COPY --chown=airflow:0 deploy /opt/airflow/deploy

# 3. Folders that become named volumes inherit this ownership: writable by any UID in group 0,
#    as the official image expects (AIRFLOW_UID on Linux hosts).
RUN mkdir -p /opt/airflow/data /opt/airflow/config /opt/airflow/logs \
    && chmod -R g+rwX /opt/airflow/data /opt/airflow/config /opt/airflow/logs

ENV PYTHONPATH=/opt/airflow/plugins \
    SQW_ROOT=/opt/airflow \
    SQW_LOCAL_DIR=/opt/airflow/data/local \
    AIRFLOW__CORE__LOAD_EXAMPLES=false \
    AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=false \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=false \
    AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY=false \
    SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false
