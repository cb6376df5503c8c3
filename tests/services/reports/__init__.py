"""Tests of `services.reports`, against a real database."""
