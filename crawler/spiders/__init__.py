"""Spiders: kommune websites and the Husbanken library."""
