"""The client conformance harness: run an OAuth client through scripted scenarios on the mock
and grade it against docs/conformance-catalogue.md C1-C32 from the mock's request log alone.

- adapter.py: the four operations the harness asks of a client (begin, deliver, refresh, api)
- adapters/: this project's client, Authlib, requests-oauthlib; process.py: any command
- scenarios.py: the scenarios, each naming the C items it decides and how
- callbacks.py, tokens.py (helpers in judging.py): judgements of one played scenario
- rules.py: rules over every request of a whole run; logview.py reads the request log
- catalogue.py: C1-C32 as checks in the shared model; suite.py runs them
"""
