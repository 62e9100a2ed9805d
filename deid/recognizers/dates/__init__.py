"""Recognizers: dates."""
