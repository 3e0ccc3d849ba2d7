"""Identities and roles: users, passwords (argon2), tokens and sessions."""
