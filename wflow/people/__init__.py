"""People of the units: a directory per unit, postings, individual title registrations."""
