"""Tests of inspections and their recommendations."""
