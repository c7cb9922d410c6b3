"""Helpers the tests share: settings, stores, API clients, test data."""
