"""aktenkundig: self-hosted AI platform for German public administration."""

__version__ = "0.1.0"
