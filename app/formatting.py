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


def listening_time(seconds: float | None, locale: str = "sv") -> str:
    """An episode's length as a listener reads it, in the page's language (Babel's units).

    Under a minute in seconds, so a 20-second clip is not "0 min"; then whole
    minutes; from an hour on, hours and minutes.

    >>> listening_time(20, "sv"), listening_time(20.4, "en"), listening_time(754, "sv")
    ('20 s', '20 sec', '13 min')
    >>> listening_time(3900, "sv"), listening_time(3900, "en"), listening_time(None, "en")
    ('1 tim 5 min', '1 hr 5 min', '0 sec')
    """
    from babel.lists import format_list
    from babel.units import format_unit

    total = max(0, round(seconds or 0))
    if total < 60:
        return format_unit(total, "duration-second", length="short", locale=locale)
    minutes = round(total / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return format_unit(minutes, "duration-minute", length="short", locale=locale)
    parts = [format_unit(hours, "duration-hour", length="short", locale=locale)]
    if minutes:
        parts.append(format_unit(minutes, "duration-minute", length="short", locale=locale))
    return format_list(parts, style="unit-narrow", locale=locale)


_SIZE_UNITS = (
    (1000**3, "digital-gigabyte"),
    (1000**2, "digital-megabyte"),
    (1000, "digital-kilobyte"),
)


def file_size(size: int | None, locale: str = "sv") -> str:
    """A download's size in decimal units with the page's decimal sign, as apps show them.

    >>> file_size(321_000, "sv"), file_size(1_534_000, "sv"), file_size(1_534_000, "en")
    ('321 kB', '1,5 MB', '1.5 MB')
    >>> file_size(999, "en")
    '999 byte'
    """
    from babel.units import format_unit

    value = max(0, size or 0)
    for factor, unit in _SIZE_UNITS:
        if value >= factor:
            return format_unit(
                value / factor, unit, length="short", format="#,##0.#", locale=locale
            )
    return format_unit(value, "digital-byte", length="short", locale=locale)


def _page_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "sv")


def page_listening_time(seconds: float | None) -> str:
    """:func:`listening_time` in the page's language, for templates."""
    return listening_time(seconds, _page_locale())


def page_file_size(size: int | None) -> str:
    """:func:`file_size` in the page's language, for templates."""
    return file_size(size, _page_locale())
