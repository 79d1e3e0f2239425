import pytest

from ingest.transform import dbt_env


def test_dbt_env_from_url_decodes_and_hides_the_password_as_secret() -> None:
    env = dbt_env("postgresql://warehouse:p%40ss@127.0.0.1:55432/warehouse")
    assert env == {
        "DBT_WAREHOUSE_HOST": "127.0.0.1",
        "DBT_WAREHOUSE_PORT": "55432",
        "DBT_WAREHOUSE_USER": "warehouse",
        "DBT_ENV_SECRET_WAREHOUSE_PASSWORD": "p@ss",
        "DBT_WAREHOUSE_DBNAME": "warehouse",
    }


@pytest.mark.parametrize("url", ["mysql://a:b@h/db", "postgresql:///db", "not a url"])
def test_dbt_env_rejects_other_urls(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        dbt_env(url)


def test_a_transform_error_names_the_incremental_models_that_drifted() -> None:
    from ingest.transform import INCREMENTAL_SCHEMA_DRIFT, TransformError

    error = TransformError(
        "dbt build failed",
        [
            f"model.eservices_warehouse.fct_service_month: Compilation Error in model "
            f"fct_service_month: The source and target {INCREMENTAL_SCHEMA_DRIFT}!",
            "model.eservices_warehouse.fct_service_year: relation does not exist",
            "test.eservices_warehouse.unique_x: Got 1 result",
        ],
    )
    assert error.drifted_incremental_models() == ["fct_service_month"]
    assert TransformError("dbt could not run").drifted_incremental_models() == []
