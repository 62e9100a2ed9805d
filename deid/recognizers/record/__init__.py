"""Recognizers: record."""
