"""Conformance suite for torch's recurrent layers: torch judged against its documentation."""
