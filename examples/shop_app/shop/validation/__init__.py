"""Request validation shared by every feature."""
