"""Periodic reviews: self-assessment with evidence, grading, publishing a period."""
