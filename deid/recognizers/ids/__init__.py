"""Recognizers: ids."""
