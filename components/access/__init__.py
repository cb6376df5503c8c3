"""Login and the sidebar (`auth`, `sidebar`), and what 管理 holds: accounts, the org tree,
the audit log and backups.

May import components.common and services.
"""
