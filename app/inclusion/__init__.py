"""Inclusion: needs, preparation, reception plans, adaptation periods, audit trail."""
