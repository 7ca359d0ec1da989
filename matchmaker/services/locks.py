"""Row locks for read-check-write work that must not interleave (capacity, profile edits).

PostgreSQL locks the one row (``SELECT … FOR NO KEY UPDATE``: it excludes other lockers and
writers of the row, but not inserts whose foreign keys point at it, so two partnerships asking
each other at once cannot deadlock). SQLite has no row locks: there the transaction takes the
database's write lock at once (``BEGIN IMMEDIATE``), which serialises writers the same way.
Either lock is held until the caller commits or rolls back.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db


def write_transaction() -> None:
    """On SQLite, make the session's transaction a write transaction now (no-op elsewhere)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    assert raw is not None  # None only once the connection is closed; it was just checked out
    # pysqlite opens a transaction only before the first write; once one is open the write
    # lock is already held. Before that, no read of this session holds a snapshot to upgrade.
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def for_update(model, ident):
    """The row of ``model`` with primary key ``ident``, freshly read and locked (or None)."""
    write_transaction()
    stmt = (
        select(model)
        .where(model.id == ident)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE on PostgreSQL; ignored by SQLite
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(stmt).first()
