"""The prediction service (FastAPI): registered models behind HTTP."""
