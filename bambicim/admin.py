from django.contrib import admin

from .models import ContactMessage


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "short_message", "created"]
    list_filter = ["created"]
    search_fields = ["name", "email", "message"]
    date_hierarchy = "created"
    readonly_fields = ["name", "email", "message", "created"]

    @admin.display(description="Message")
    def short_message(self, obj):
        return obj.message if len(obj.message) <= 80 else obj.message[:79] + "…"

    def has_add_permission(self, request):
        # Messages come from visitors only.
        return False
