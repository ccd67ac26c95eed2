"""Sanfu (三服): an office platform serving leadership, the organisation's running, and staff and the public."""

__version__ = "0.1.0"
