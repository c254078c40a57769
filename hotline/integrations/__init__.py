"""Integrations with other systems: the city's 12345 government hotline platform (``gov12345``)."""
