"""Access events get the purpose's code (issue 16 §6) and an index for a user's events by time.

Existing rows keep an empty code ("not recorded"): the table is append-only on PostgreSQL, and
adding a column with a default rewrites no row through UPDATE, so the trigger is not involved.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='accessevent',
            name='purpose_code',
            field=models.CharField(blank=True, default='', max_length=30),
        ),
        migrations.AddIndex(
            model_name='accessevent',
            index=models.Index(fields=['actor', 'action', 'at'], name='audit_access_actor_at'),
        ),
    ]
