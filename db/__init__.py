"""Models, the engine and the schema's migrations."""
