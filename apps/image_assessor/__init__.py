"""ImageAssessor: the catsndogs job that removes cat pictures at random or restores them (see README.md)."""

from .assessor import ApiError, CatsClient, ConfigError, Settings, load_settings, main, run

__all__ = ["ApiError", "CatsClient", "ConfigError", "Settings", "load_settings", "main", "run"]
