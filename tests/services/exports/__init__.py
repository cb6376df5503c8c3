"""Tests of `services.exports`, against a real database."""
