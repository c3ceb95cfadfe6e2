"""Statistics over years: awards by year, type, level and kind; score trends; forms."""
