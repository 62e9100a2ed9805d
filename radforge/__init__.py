"""radforge core: settings, CLI, audit trail, egress guard — shared by every package."""

__version__ = "0.1.0"
