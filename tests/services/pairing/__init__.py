"""Tests of `services.pairing`, against a real database."""
