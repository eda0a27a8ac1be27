"""Alembic environment, run by Flask-Migrate inside the app context."""

import logging
from contextlib import contextmanager, nullcontext
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import event

config = context.config
# Keep loggers configured by the app (and by pytest) alive.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``flask db upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the app's engine; autogenerate writes no empty revisions."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            conf_args.update(transactional_ddl=True, on_version_apply=_check_foreign_keys)
            run = _on_sqlite(connection)
        else:
            run = nullcontext()
        with run:
            context.configure(
                connection=connection, target_metadata=target_db.metadata, **conf_args
            )
            with context.begin_transaction():
                context.run_migrations()


@contextmanager
def _on_sqlite(connection):
    """All migrations in one real transaction, with foreign keys off.

    Batch mode rebuilds a table on SQLite: it copies it, drops the old one and
    renames the copy. With foreign keys enforced, dropping ``shows`` or ``users``
    deletes the rows pointing to them (ON DELETE CASCADE) or fails, so they are
    off, as SQLite's own recipe for altering tables says, and checked after each
    migration instead. SQLite ignores that pragma inside a transaction, so it is
    set before the first BEGIN and after the last COMMIT.

    Python's sqlite3 module only begins a transaction before INSERT, UPDATE and
    DELETE, so DDL ran outside of any and a failed migration stayed half done;
    here it leaves the sending of BEGIN to SQLAlchemy, and everything rolls back.
    """
    _set_foreign_keys(connection, on=False)
    driver = connection.connection.driver_connection
    isolation = driver.isolation_level
    driver.isolation_level = None
    event.listen(connection, "begin", _begin)
    try:
        yield
    finally:
        connection.rollback()  # whatever a failure left open
        event.remove(connection, "begin", _begin)
        driver.isolation_level = isolation
        _set_foreign_keys(connection, on=True)


def _begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _set_foreign_keys(connection, *, on: bool) -> None:
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() != int(on):
        raise RuntimeError("SQLite did not switch foreign keys: a transaction is open.")
    connection.commit()


def _check_foreign_keys(ctx, step, heads, run_args) -> None:
    """After each migration, inside the transaction: what enforcement would have refused."""
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        action = "upgrade to" if step.is_upgrade else "downgrade from"
        raise RuntimeError(
            f"The {action} {step.up_revision_id} left rows whose foreign keys point "
            f"nowhere (table, rowid, parent, key): {broken[:10]}"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
