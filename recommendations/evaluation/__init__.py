"""Offline quality harness on MovieLens (ml-latest-small): baselines and our engine, same split, same metrics."""
