"""Movements and campaigns (phong trào thi đua, đợt thi đua) beside the annual plan."""
