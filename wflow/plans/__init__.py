"""The block's annual plan: drafting, criteria, consultation, registration, its workflow."""
