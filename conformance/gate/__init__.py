"""The pytest plugin: options, profiles, known deviations, the report and the regression gate."""
