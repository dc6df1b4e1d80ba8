"""Accounts: two-factor authentication, login throttling and suspension of members."""
