"""Alembic environment: online migrations only (the app always has a live server)."""

from alembic import context
from sqlalchemy import pool

from pharmacy_desktop.db import connect

config = context.config


def run_migrations_online() -> None:
    # the one connection factory: the URL's sslmode (and keyring password) apply to migrations too
    engine = connect.engine(
        config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool, application_name="pharmacy-desktop-migrate"
    )
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; pass --database-url")
run_migrations_online()
