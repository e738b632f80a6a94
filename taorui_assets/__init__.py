"""Taorui (韬睿) market-data platform."""
