"""Awards: the catalogue, nominations and votes, council sessions, decisions, the register."""
