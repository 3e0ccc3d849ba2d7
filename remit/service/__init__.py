"""The HTTP service (`remit serve`): a thin FastAPI app over the Python API."""
