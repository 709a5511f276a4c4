"""Alembic environment: runs migrations on the engine handed over by ``database.upgrade``."""

from alembic import context

from arenalab.registry.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by table copy
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
