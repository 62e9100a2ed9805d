"""Recognizers: location."""
