"""The Celery side: the application and the recompute tasks it runs."""
