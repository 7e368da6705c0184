"""Documents and figures (PDF, charts, exports); knows nothing of Flask."""
