"""``flask backup create|verify|restore DIR``: a consistent snapshot of one instance.

A backup folder holds the database (``pg_dump`` custom format on PostgreSQL, an
SQLite copy made with the backup API on the embedded default), a copy of every
stored object under ``objects/``, and ``manifest.json`` naming each with its
size and SHA-256. The manifest is written last, so a folder without one is an
interrupted backup. How this combines with S3 versioning and replication is in
the README's production section.
"""
