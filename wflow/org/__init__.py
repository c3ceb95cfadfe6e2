"""Organisations: units, blocks with their yearly membership, people's accounts, admin pages."""
