"""The OAuth engine: plain Python that decides every request. It never imports Starlette."""
