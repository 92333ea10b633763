"""The audit tables are append-only on PostgreSQL: a trigger refuses UPDATE and DELETE.

(TRUNCATE, which only an operator's maintenance or the test runner's flush uses, is not
affected.) SQLite, the single-user embedded default, has no such guard: there the file itself
is the boundary.
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_accessevent")

FORWARD = """
CREATE OR REPLACE FUNCTION tepat_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION tepat_audit_append_only();
"""
    for table in TABLES
)

BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS tepat_audit_append_only();\n"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditevent_audit_audit_object__0e78a5_idx")]
    operations = [migrations.RunPython(forward, backward)]
