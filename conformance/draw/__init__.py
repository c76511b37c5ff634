"""Drawing examples: sizes, strategies, the Example."""
