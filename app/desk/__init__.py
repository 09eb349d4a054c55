"""Desk mode: staff at a France Services desk or a Relais act for a family present, with its consent."""
