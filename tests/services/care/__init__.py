"""Tests of `services.care`, against a real database."""
