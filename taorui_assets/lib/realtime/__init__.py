"""Realtime capture of QMT's tick push: feeds, write-ahead journal, MongoDB writer (issue 12)."""
