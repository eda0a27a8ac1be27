"""Keep client addresses out of the development server's request log.

Werkzeug starts each request line with the client's address; a filter on
its logger blanks it. Gunicorn's access log format is set in the Procfile
without ``%(h)s``.
"""

from __future__ import annotations

import logging
import re

# "<address> - - [<date>] ..." as werkzeug.serving writes it.
REQUEST_LINE = re.compile(r"^\S+ - - \[")


class HideClientAddress(logging.Filter):
    """Replace the leading address of werkzeug's request lines with ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and REQUEST_LINE.match(record.msg):
            record.msg = REQUEST_LINE.sub("- - - [", record.msg, count=1)
        return True


def hide_client_addresses() -> None:
    """Install the filter once per process, however many apps are created."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideClientAddress) for f in logger.filters):
        logger.addFilter(HideClientAddress())
