"""Number formats that differ from Django's own for our languages (each module only names what it changes)."""
