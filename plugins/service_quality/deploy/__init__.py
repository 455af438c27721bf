"""Deployment helpers: worker naming, failure alerts, and the Celery scale-out harness."""
