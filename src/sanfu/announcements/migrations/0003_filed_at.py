from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("announcements", "0002_announcements"),
    ]

    operations = [
        migrations.AddField(
            model_name="announcement",
            name="filed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="归档时间"),
        ),
    ]
