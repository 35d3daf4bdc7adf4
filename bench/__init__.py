"""chatmod's benchmarks: ``make bench`` prints ``name: value`` lines, ratios against baselines."""
