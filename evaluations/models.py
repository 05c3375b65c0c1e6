"""Ratings, rectifications, complaints and the supervision rollups (see the README's Architecture section)."""
