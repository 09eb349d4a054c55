"""Accounts: users, roles, login, password reset, permissions (shared kernel)."""
