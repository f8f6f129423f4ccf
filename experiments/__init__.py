"""Experiments S1-S9, sweeps and their analysis."""
