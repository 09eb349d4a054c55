"""JSON API /api/v1: thin adapters onto the domain services."""
