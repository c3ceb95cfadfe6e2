"""Inspections (kiểm tra, giám sát): a superior body reviews a unit or a block and follows up."""
