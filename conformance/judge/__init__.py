"""Judging: comparisons, failures that read as sentences, reproducers."""
