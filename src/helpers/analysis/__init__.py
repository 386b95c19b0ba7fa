"""Analysis: computations on data frames (key figures, peers, funnel, decomposition, forecast, flows, progression); no warehouse, no files, no Danish text."""
