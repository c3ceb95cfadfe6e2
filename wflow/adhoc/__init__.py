"""Ad-hoc awards (khen thưởng đột xuất): an exceptional achievement awarded on a short path."""
