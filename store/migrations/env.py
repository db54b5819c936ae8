"""Alembic environment: runs on the connection `store.migrate` hands over.

Batch mode is on so that ALTERs work on SQLite too (it rebuilds the table).
"""

from alembic import context

from store.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
