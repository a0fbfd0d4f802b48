"""The global metrics framework: semantic-layer YAML in, ds-partitioned metric tables out."""
