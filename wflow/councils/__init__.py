"""Councils at every level: each unit, block and workflow belongs to one council."""
