"""Catalogue items, implementations and cases (see the README's Architecture section)."""
