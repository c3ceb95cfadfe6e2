"""The block's scoreboard: accepted results per unit and period, ranked for the year."""
