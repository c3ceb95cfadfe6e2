"""Coordination programmes between organisations: drafted, agreed, signed, reviewed yearly."""
