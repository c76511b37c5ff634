"""The error claims as rows: each row names its claim, how the bad argument is drawn from a valid
configuration, and the exception the documentation gives; conformance/test_errors.py runs every row
through a few generic checks."""
