"""Tests of `core`: vocabularies, messages, field rules and typography."""
