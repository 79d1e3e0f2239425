"""Operating the pipeline under Airflow: run dates every kind of run has, alerts to the data
team, and the retention of Airflow's own metadata and logs. Plain functions the DAGs call;
unit-testable without a scheduler."""
