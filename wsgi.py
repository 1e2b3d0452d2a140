"""The WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

from ivr_module import create_app

app = create_app()
