from django.db import models


class ContactMessage(models.Model):
    """A message sent through the contact form. Kept for up to 12 months
    (see the Privacy page and ``manage.py purge_contact_messages``).
    No IP address or other request data is stored."""

    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    message = models.TextField(max_length=5000)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "contact message"

    def __str__(self):
        return f"{self.name} <{self.email}> — {self.created:%Y-%m-%d %H:%M}"
