"""The block's pact: prepared from the plan, signed by every member unit's head, in force."""
