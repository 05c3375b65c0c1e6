"""Index the single characters and character pairs of the search text, for one- and two-character queries.

The trigram index of 0002 serves queries of three characters or more; a Chinese query is often
one or two (护照, 医): without this they scan every implementation. PostgreSQL only.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION approvals_search_grams(body text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
        SELECT substr(body, i, 1) AS gram FROM generate_series(1, char_length(body)) i
        UNION ALL
        SELECT substr(body, i, 2) FROM generate_series(1, char_length(body) - 1) i
      ) grams
    $$
    """,
    "CREATE INDEX IF NOT EXISTS impl_search_grams ON approvals_implementation "
    "USING gin (approvals_search_grams(search_text))",
]
DROP = ["DROP INDEX IF EXISTS impl_search_grams", "DROP FUNCTION IF EXISTS approvals_search_grams(text)"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("approvals", "0008_case_queue_open")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
