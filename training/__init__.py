"""radforge training package."""
