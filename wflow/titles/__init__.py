"""Titles and awards of people decided by their unit, and the award history (tra cứu)."""
