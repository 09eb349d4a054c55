"""Billing: tariff administration, monthly statements, absence certificates and CAF reports."""
