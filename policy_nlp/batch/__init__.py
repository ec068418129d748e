"""Batch processing of archives: reading inputs, running the pipeline over them, writing tables."""
