"""Renum's back end, reduced to what the real-time gateway asks of it (see app.py)."""
