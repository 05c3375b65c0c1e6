"""Make the data-sharing log append-only on PostgreSQL: UPDATE and DELETE raise an error.

TRUNCATE is left to the database owner (the test runner empties tables with it).
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION approvals_sharinglog_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the data-sharing log is append-only: % refused', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER approvals_sharinglog_append_only
    BEFORE UPDATE OR DELETE ON approvals_sharinglog
    FOR EACH ROW EXECUTE FUNCTION approvals_sharinglog_append_only()
    """,
]
DROP = [
    "DROP TRIGGER IF EXISTS approvals_sharinglog_append_only ON approvals_sharinglog",
    "DROP FUNCTION IF EXISTS approvals_sharinglog_append_only()",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_licences_bundles")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
