"""Analytics: the seed /analytics contract, summaries, series, breakdowns, export and live."""
