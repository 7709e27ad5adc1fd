"""PostgreSQL on loopback for the store tests (fixtures)."""
