"""Plain library code: no Dagster imports here except where a module says so."""
