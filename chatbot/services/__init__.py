"""Use cases. Functions take a SQLAlchemy `Session` and/or a Redis client and return domain objects."""
