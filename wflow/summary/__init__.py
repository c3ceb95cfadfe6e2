"""Summary reports (báo cáo tổng kết) of a block's year, a campaign and the council's year."""
