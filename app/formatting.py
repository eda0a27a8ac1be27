"""Times as listeners read them and as schema.org wants them."""

from __future__ import annotations


def clock(seconds: float | None) -> str:
    """``75`` -> ``"1:15"``, ``3725`` -> ``"1:02:05"``: the player's own format.

    >>> clock(75), clock(3725), clock(None)
    ('1:15', '1:02:05', '0:00')
    """
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def iso_duration(seconds: float | None) -> str:
    """ISO 8601 duration for schema.org ``duration``.

    >>> iso_duration(3725.4)
    'PT1H2M5S'
    """
    total = max(0, round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def language_name(code: str) -> str:
    """A language code as its own speakers write it, for links between transcripts.

    In its own language, so a listener finds theirs whatever the page's language.

    >>> language_name("sv-SE"), language_name("en"), language_name("xx-nope")
    ('svenska', 'English', 'xx-nope')
    """
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return locale.get_language_name(locale) or code


def seconds(value: float | None) -> str:
    """Seconds for data attributes, to the millisecond and without a needless ``.0``.

    >>> seconds(10.0), seconds(4.5), seconds(1.23456), seconds(None)
    ('10', '4.5', '1.235', '0')
    """
    return format(value or 0, ".3f").rstrip("0").rstrip(".")
