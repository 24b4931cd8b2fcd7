"""Admin for fine-tuning: TrainingRun and the owner's ExampleQuestion rows.

Imported at the end of ``search/admin.py``.
"""

from django.contrib import admin

from .models import ExampleQuestion


@admin.register(ExampleQuestion)
class ExampleQuestionAdmin(admin.ModelAdmin):
    list_display = ["question", "url", "active", "created"]
    list_filter = ["active"]
    search_fields = ["question", "url"]
