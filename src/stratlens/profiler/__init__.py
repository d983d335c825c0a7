"""Profiling of reasoning styles (text classifiers, behavioural fits, TQRE depth)."""
