"""Tests of `services.roster`, against a real database."""
