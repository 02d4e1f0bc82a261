"""HTTP serving of a model: `create_app(settings)` in `app.py` builds the service."""
