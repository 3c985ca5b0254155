"""Features layer: loading and validating canonical tables, tender screens, pair evidence, red flags and enterprise features.

Imports nothing else of the project (see the layer rules in the README)."""
