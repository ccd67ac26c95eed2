"""The web shell on top of the office domains: home (the workbench), navigation, the person's own settings,
the Django admin site and the error pages. It may import every domain; nothing imports it."""
