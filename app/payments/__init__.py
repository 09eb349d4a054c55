"""Payments: invoices issued from billing's closed statements, their payment (online through
eopayment, at the régie's desk), their PDF, their transfer to the Trésor public."""
