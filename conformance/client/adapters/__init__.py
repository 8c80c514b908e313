"""Adapters for Python OAuth clients. Each one uses its library the way the library's own
documentation shows for a web application, and adds no check of its own: it keeps what
`begin` produced (state, code verifier) for the session and hands it back on `deliver`."""
