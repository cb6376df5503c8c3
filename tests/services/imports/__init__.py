"""Tests of `services.imports`, against a real database."""
