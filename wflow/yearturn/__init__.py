"""The turn of the year: next year's block memberships, leaders and draft plans."""
