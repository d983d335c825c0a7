"""Suite ``sequential``: sequential games written as OpenSpiel Python games (filled in next)."""
