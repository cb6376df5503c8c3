"""Backup and restore: the database (a consistent online copy) and the photos in one archive.

`make_backup` writes the archive with a manifest (database kind, schema revision, row counts,
checksums, time, operator); `restore_backup` checks all of it before touching anything, restores
only into an empty database unless forced (and then backs up the existing data first), migrates
the restored data to this code's schema and checks the row counts against the manifest.
Both are audited in the database they leave behind.

May import core, db and services.access (the actor and the audit log).
"""

from services.backup.archive import BackupError, Manifest
from services.backup.make import BackupResult, make_backup
from services.backup.restore import RestoreResult, restore_backup

__all__ = ["BackupError", "BackupResult", "Manifest", "RestoreResult", "make_backup",
           "restore_backup"]
