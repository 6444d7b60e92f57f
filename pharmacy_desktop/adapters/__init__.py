"""Adapters to the world outside the pharmacy: the claims switch and the card terminal.

Each is an interface (a Protocol) the services call plus a simulator the app uses until a real
connection is configured. Adapters are a leaf: they import only ``domain`` and the standard
library (an import-linter contract in pyproject.toml), so a real adapter brings its own client
library and nothing of the database, the services or the UI.
"""
