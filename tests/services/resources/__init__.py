"""Tests of `services.resources`, against a real database."""
