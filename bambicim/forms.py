import unicodedata

from django import forms

from .models import ContactMessage

# Characters that show nothing on their own: format (zero-width space, joiners,
# direction marks, BOM), control, and separators (spaces of every width).
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zs", "Zl", "Zp"}


def visible_length(text: str) -> int:
    """How many characters of ``text`` a reader would see."""
    return sum(unicodedata.category(ch) not in INVISIBLE_CATEGORIES for ch in text)


class ContactForm(forms.ModelForm):
    # Honeypot: hidden from people (CSS + aria-hidden + tabindex=-1), filled in
    # by naive bots. A filled honeypot is answered like a success, never stored.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = ContactMessage
        fields = ["name", "email", "message"]
        labels = {"name": "Your name", "email": "Your email", "message": "Your message"}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "message": forms.Textarea(attrs={"rows": 6}),
        }
        error_messages = {
            "name": {"required": "Please tell us your name."},
            "email": {
                "required": "Please give us an email address so we can reply.",
                "invalid": "That email address doesn’t look right — please check it.",
            },
            "message": {
                "required": "Please write a message — even a short one is lovely.",
                "max_length": "That’s a long one! Please keep it under 5,000 characters.",
            },
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not visible_length(name):
            raise forms.ValidationError("Please tell us your name.")
        return name

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if visible_length(message) < 5:
            raise forms.ValidationError("Please write a little more (at least 5 characters).")
        return message

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())
