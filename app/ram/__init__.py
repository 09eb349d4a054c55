"""Relais Petite Enfance: childminders, availability, demands, matching, observatory, workshops."""
