# The team image (docker-compose.yml): the official Airflow image, the project's pinned runtime
# requirements and the project's code. Build it with `docker compose build`.
#
# The Airflow version and Python version here follow requirements.in (apache-airflow==3.3.2) and
# pyproject.toml (Python 3.11); tests/deploy/test_compose.py fails when they drift apart.
FROM apache/airflow:3.3.2-python3.11

# Runtime requirements only: requirements.txt is the exact pinned set compiled from
# requirements.in (`make lock`). requirements-dev.txt (tests, linters, the embedded PostgreSQL)
# never enters the image; .dockerignore keeps it out of the build context altogether.
# pip runs as the image's `airflow` user, as the official image requires.
COPY --chown=airflow:0 requirements.txt /opt/project/requirements.txt
RUN pip install --no-cache-dir -r /opt/project/requirements.txt

# Mount points of the named volumes (docker-compose.yml), created here so that a new volume
# starts owned by airflow:0 and group-writable (any AIRFLOW_UID runs with group 0).
USER root
RUN mkdir -p /data/intake/inbox /data/intake/archive /data/extracts /data/portal \
        /data/dbt-target /opt/airflow/warehouse-state \
    && chown -R airflow:0 /data /opt/airflow/warehouse-state \
    && chmod -R g+rwX /data /opt/airflow/warehouse-state
USER airflow

# The project's code, read-only for the services (dbt writes to DBT_TARGET_DIR, not here).
COPY --chown=airflow:0 dags/ /opt/project/dags/
COPY --chown=airflow:0 ingest/ /opt/project/ingest/
COPY --chown=airflow:0 publish/ /opt/project/publish/
COPY --chown=airflow:0 stack/ /opt/project/stack/
COPY --chown=airflow:0 ops/ /opt/project/ops/
COPY --chown=airflow:0 expectations/ /opt/project/expectations/
COPY --chown=airflow:0 dbt_project/ /opt/project/dbt_project/
COPY --chown=airflow:0 data/reference/ /opt/project/data/reference/
COPY --chown=airflow:0 templates/ /opt/project/templates/

ENV PYTHONPATH=/opt/project
WORKDIR /opt/airflow
