"""Cleaning and encoding as fitted transformers built from the Schema."""
