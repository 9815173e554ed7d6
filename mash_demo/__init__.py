"""The demo: synthetic data generators for trying the platform, not part of the product."""
