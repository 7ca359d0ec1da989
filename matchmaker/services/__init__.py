"""The service layer: every view, API endpoint and CLI command calls these functions."""
