"""The country of a listener's address, looked up in memory and never stored with it.

The table is GeoIP2Fast's (the ``geoip2fast`` package on PyPI: MaxMind's GeoLite2
country data, IPv4 and IPv6, shipped inside the wheel, pure Python). Only the
two-letter country code leaves this module; the address is not kept or logged.
Plain functions, no Flask.
"""

from __future__ import annotations

import logging
from functools import cache

log = logging.getLogger(__name__)

# The package's file holding both IPv4 and IPv6 ranges.
DATA_FILE = "geoip2fast-ipv6.dat.gz"


def country_of(address: str | None) -> str:
    """``SE``, ``NO``, …; ``""`` for a private, reserved or unknown address."""
    if not address:
        return ""
    table = _table()
    if table is None:
        return ""
    try:
        code = table.lookup(address).country_code
    except Exception:  # a lookup failure must never cost a download
        return ""
    return code if len(code) == 2 and code.isalpha() and code.isupper() else ""


@cache
def _table():
    """Loaded once per process, on the first download (about a second)."""
    try:
        from geoip2fast import GeoIP2Fast

        return GeoIP2Fast(geoip2fast_data_file=DATA_FILE)
    except Exception as exc:  # without the table, countries are unknown
        log.warning("no country table, countries are counted as unknown: %s", exc)
        return None
