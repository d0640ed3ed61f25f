"""The app with bench/proposals.py applied, for `gunicorn bench.proposed_wsgi:app`
(checkin_load --proposed). Not for production: the proposals belong in their own files."""

from app import create_app
from bench.proposals import apply_api

app = create_app()
apply_api(app)
