"""Families: households, guardians, children, contacts, consents (shared kernel)."""
