"""Replicas started at the same moment on one PostgreSQL database all come up."""

import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.app import prepare_database
from bot.config import Config, DatabaseConfig
from storage.models import Person


@pytest.mark.postgres
def test_three_replicas_starting_together_migrate_and_sync_once(
    postgres_server: str, demo_config: Config
) -> None:
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE deskbot_startup"))
    admin.dispose()
    url = make_url(postgres_server).set(database="deskbot_startup")
    config = demo_config.model_copy(
        update={"database": DatabaseConfig(url=url.render_as_string(hide_password=False))}
    )
    ready = threading.Barrier(3)
    failures: list[BaseException] = []

    def start_replica() -> None:
        ready.wait()
        try:
            prepare_database(config).dispose()
        except Exception as error:  # collected and asserted below
            failures.append(error)

    replicas = [threading.Thread(target=start_replica) for _ in range(3)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(timeout=60)

    engine = create_engine(url)
    with engine.connect() as connection:
        people = connection.execute(select(func.count()).select_from(Person)).scalar_one()
    engine.dispose()
    assert failures == []
    assert people == len(demo_config.people)
