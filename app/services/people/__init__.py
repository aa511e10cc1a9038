"""The people who use Casusbank: local accounts and signing in (accounts.py), sessions on
the server (sessions.py), personal API tokens (api_tokens.py), and administrators
managing accounts (users.py)."""
