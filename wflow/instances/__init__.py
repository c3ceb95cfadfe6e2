"""Generic workflow pages: my tasks, definitions with diagrams, an instance and its history."""
