"""Alembic environment: runs on the connection `store.migrate` hands over.

Batch mode is on so that ALTERs work on SQLite too (it rebuilds the table).
Autogenerate renders the app's UTCDateTime as a plain timestamptz column, so
migrations never import application types.
"""

from alembic import context

from store.schema import Base
from store.types import UTCDateTime


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
