"""People who log in: accounts, roles scoped to stores, login, API tokens."""
