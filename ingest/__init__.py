"""The warehouse's Python library: everything the DAGs call, testable without Airflow."""
