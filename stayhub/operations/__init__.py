"""Operations: the daily runner, run history, monitoring (freshness, deadlines, gaps), alerts and the status page."""
