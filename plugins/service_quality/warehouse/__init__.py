"""The PostgreSQL warehouse: where it is, how to start the embedded one, and how to bootstrap it."""
