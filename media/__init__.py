"""Plain library for audio files and object storage. Never imports Flask or ``app``."""
