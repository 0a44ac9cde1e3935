"""The relevance set of real public texts and its measurement (``python -m bench.relevance``)."""
