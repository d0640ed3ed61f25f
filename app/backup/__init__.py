"""Backup and restore: the whole database as a portable archive (SQLite ↔ PostgreSQL)."""
