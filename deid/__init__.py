"""radforge deid package."""
