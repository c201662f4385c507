"""Placeholder while the pages are written."""

routes = []
