"""The committee's dashboard: every block of a year at a glance."""
