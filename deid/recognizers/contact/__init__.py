"""Recognizers: contact."""
