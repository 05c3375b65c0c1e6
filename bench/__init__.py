"""The benchmark: a city-sized data set, the two baseline views and the ``make bench`` runner."""
