"""Recognizers: names."""
