"""Deterministic sample data: the demo database, test fixtures and the county-scale benchmark."""

from sample_data.demo_users import DEMO_USERS, DemoUser
from sample_data.generator import SCALES, DatabaseNotEmpty, Scale, SeedSummary, seed_database

__all__ = ["DEMO_USERS", "SCALES", "DatabaseNotEmpty", "DemoUser", "Scale", "SeedSummary",
           "seed_database"]
