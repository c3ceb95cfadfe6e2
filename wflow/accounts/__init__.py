"""Accounts: signing in and out, passwords, personal API tokens."""
