"""Tests of `services.stats`, against a real database."""
