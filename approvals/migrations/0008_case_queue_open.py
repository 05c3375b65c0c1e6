from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0007_event_department"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        [
                            "submitted",
                            "transferred",
                            "accepted",
                            "supplement_requested",
                            "under_review",
                            "co_review",
                            "suspended",
                            "approved",
                            "denied",
                        ],
                    )
                ),
                fields=["department", "submitted_at", "id"],
                name="case_queue_open",
            ),
        ),
    ]
