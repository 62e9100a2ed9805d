"""Recognizers: header."""
