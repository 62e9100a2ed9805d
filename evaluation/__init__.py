"""radforge evaluation package."""
