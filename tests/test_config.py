"""Settings from the environment: defaults that work, and a clear refusal of malformed values."""

import pytest

from matchmaker.config import ConfigError, database_url, from_environment


def test_defaults_work_on_a_fresh_machine(tmp_path):
    config = from_environment(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "matchmaker.db")
    assert config["SUGGESTIONS_RATE_LIMIT"] == "120 per minute"
    assert config["LOGIN_RATE_LIMIT"] == "10 per minute"
    assert (
        config["INDEX_VERSION_TTL"],
        config["INDEX_REFIT_SHARE"],
        config["INDEX_SYNC_REFIT_BELOW"],
    ) == (0.5, 0.02, 2000)


def test_postgres_urls_use_psycopg_3():
    assert database_url("postgres://u@h/db", "/x") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", "/x") == "postgresql+psycopg://u@h/db"


def test_index_settings_come_from_the_environment(tmp_path):
    env = {"INDEX_VERSION_TTL": "2", "INDEX_REFIT_SHARE": "0.1", "INDEX_SYNC_REFIT_BELOW": "50"}
    config = from_environment(str(tmp_path), env)
    assert (
        config["INDEX_VERSION_TTL"],
        config["INDEX_REFIT_SHARE"],
        config["INDEX_SYNC_REFIT_BELOW"],
    ) == (2.0, 0.1, 50)


@pytest.mark.parametrize(
    "name, value",
    [
        ("SUGGESTIONS_RATE_LIMIT", "veel per dag"),
        ("LOGIN_RATE_LIMIT", "10 per fortnight"),
        ("INDEX_VERSION_TTL", "soon"),
        ("INDEX_VERSION_TTL", "-1"),
        ("INDEX_REFIT_SHARE", "1.5"),
        ("INDEX_SYNC_REFIT_BELOW", "2k"),
        ("MENTOR_MIN_YEARS", "three"),
    ],
)
def test_a_malformed_value_stops_the_start_and_names_the_setting(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        from_environment(str(tmp_path), {name: value})


def test_rate_limits_accept_the_limits_notation(tmp_path):
    config = from_environment(
        str(tmp_path), {"SUGGESTIONS_RATE_LIMIT": "5/hour", "LOGIN_RATE_LIMIT": "3 per 10 minutes"}
    )
    assert config["SUGGESTIONS_RATE_LIMIT"] == "5/hour"
    assert config["LOGIN_RATE_LIMIT"] == "3 per 10 minutes"
