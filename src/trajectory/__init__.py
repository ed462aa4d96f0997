"""trajectory: time-to-event study of criminal case trajectories."""

__version__ = "0.1.0"
