"""Tests of `services.access`, against a real database."""
