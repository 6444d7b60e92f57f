"""In-memory stand-ins for the database, for tests of a service's decisions without PostgreSQL."""
