"""Test and benchmark support: a PostgreSQL server the suite starts itself, a moved clock."""
