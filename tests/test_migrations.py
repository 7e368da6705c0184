from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.disputes.search import described_by_models
from portal.extensions import db


def test_migrations_create_exactly_the_models_schema(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True,
                              "include_name": described_by_models})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_newest_migration(app, ctx):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) == heads


def test_a_fresh_database_starts_with_the_default_sector_table(tmp_path):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.disputes.models import DEFAULT_SECTORS, CategorySector

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}")
    with app.app_context():
        upgrade()
        rows = {(r.category, r.sector) for r in db.session.scalars(db.select(CategorySector))}
        db.session.remove()
        db.engine.dispose()
    assert rows == set(DEFAULT_SECTORS.items())
