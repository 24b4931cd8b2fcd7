"""The search app's REST API (Django REST framework): thin views over site_assistant.services."""
