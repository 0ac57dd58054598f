"""Demo and benchmark data generation."""
