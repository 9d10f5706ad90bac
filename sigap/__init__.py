"""SIGAP — Sistem Informasi Geospasial Antisipasi Potensi konflik (command line and settings)."""

__version__ = "0.1.0"
