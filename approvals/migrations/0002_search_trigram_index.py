"""Trigram index for Chinese search on PostgreSQL (pg_trgm); other databases need none."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS impl_search_trgm ON approvals_implementation USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS impl_name_trgm ON approvals_implementation USING gin (name gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS impl_search_trgm", "DROP INDEX IF EXISTS impl_name_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
