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
