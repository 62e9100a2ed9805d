"""radforge warehouse package."""
