"""A/B experiment analysis: the statistics engine behind the experiment results model."""
