"""Feed health in the producers' words: each linter finding as a translated sentence.

``feeds.lint`` knows no languages; it gives each finding a stable code and the
values its message needs. Here each code becomes a plain sentence saying what
is wrong and what to do about it in the studio.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from feeds.lint import Finding


def N_(text: str) -> str:
    """Mark ``text`` for extraction; it is translated when shown, with the finding's values."""
    return text


WORDING: dict[str, str] = {
    "not-xml": N_(
        "The feed cannot be read at all. This is a fault in the podcast service, "
        "not in your show: contact the administrator."
    ),
    "not-rss": N_(
        "The feed is not a podcast feed. This is a fault in the podcast service, "
        "not in your show: contact the administrator."
    ),
    "missing-title": N_("The show has no title: add one under Settings."),
    "missing-description": N_("The show has no description: add one under Settings."),
    "missing-language": N_("The show has no language: choose one under Settings."),
    "missing-link": N_(
        "The feed has no link to the show’s web page. "
        "This is a fault in the podcast service: contact the administrator."
    ),
    "missing-artwork": N_(
        "The show has no artwork: upload a square image of 1400–3000 px under Settings."
    ),
    "missing-category": N_("The show has no category: choose one under Settings."),
    "missing-explicit": N_(
        "The feed does not say whether the show has explicit content: "
        "set it under Settings and save."
    ),
    "missing-author": N_("The show has no author: fill in the author under Settings."),
    "missing-owner-email": N_(
        "The show has no owner’s email, which Apple uses to reach you: fill it in under Settings."
    ),
    "missing-podcast-guid": N_(
        "The feed has no podcast GUID, which apps use to recognise the show if it moves. "
        "Contact the administrator."
    ),
    "missing-podcast-locked": N_(
        "The feed does not say whether other hosts may import it: "
        "set “Locked” under Settings and save."
    ),
    "description-too-long": N_(
        "The show’s description is %(size)d bytes long; Apple allows at most %(limit)d "
        "(å, ä and ö count as two). Shorten it under Settings."
    ),
    "invalid-category": N_(
        "“%(category)s” is not one of Apple’s categories: choose another one under Settings."
    ),
    "invalid-type": N_(
        "The show type “%(type)s” is unknown: choose episodic or serial under Settings."
    ),
    "artwork-unreadable": N_(
        "The artwork cannot be opened as an image: upload new artwork under Settings."
    ),
    "artwork-type": N_(
        "The artwork is a %(type)s file, but Apple takes only JPEG or PNG: "
        "upload new artwork under Settings."
    ),
    "artwork-extension": N_(
        "The artwork’s file name does not match its format (%(type)s): "
        "upload the artwork again under Settings."
    ),
    "artwork-not-square": N_(
        "The artwork is %(width)d×%(height)d px, but it must be square: "
        "upload new artwork under Settings."
    ),
    "artwork-size": N_(
        "The artwork is %(width)d×%(height)d px, but Apple needs %(min)d–%(max)d px: "
        "upload new artwork under Settings."
    ),
    "artwork-colour-mode": N_(
        "The artwork’s colours are saved as %(mode)s, but Apple needs RGB: "
        "save the image as RGB and upload it again under Settings."
    ),
    "episode-missing-title": N_(
        "Episode %(episode)s has no title: open the episode and give it one."
    ),
    "episode-missing-guid": N_(
        "The episode “%(episode)s” has no identifier (guid). Contact the administrator."
    ),
    "episode-missing-enclosure": N_(
        "The episode “%(episode)s” has no audio file: open the episode and upload one."
    ),
    "episode-description-too-long": N_(
        "The description of the episode “%(episode)s” is %(size)d bytes long; Apple allows "
        "at most %(limit)d (å, ä and ö count as two). Open the episode and shorten it."
    ),
    "duplicate-guid": N_(
        "The episode “%(episode)s” has the same identifier (guid) as another episode, "
        "so apps may show only one of them. Contact the administrator."
    ),
    "duplicate-enclosure": N_(
        "The episode “%(episode)s” has the same audio file as another episode: "
        "open the episode and replace its audio."
    ),
    "enclosure-missing-type": N_(
        "The feed does not say what kind of audio file the episode “%(episode)s” has. "
        "Contact the administrator."
    ),
    "enclosure-length-invalid": N_(
        "The feed gives no valid size for the audio file of the episode “%(episode)s”. "
        "Contact the administrator."
    ),
    "enclosure-length": N_(
        "The feed says the audio file of the episode “%(episode)s” is %(length)d bytes, "
        "but the stored file is %(stored)d bytes: open the episode and upload the audio "
        "again, or contact the administrator."
    ),
    "non-ascii-url": N_(
        "The address %(url)s contains letters such as å, ä or ö, which many apps cannot "
        "handle. Contact the administrator."
    ),
    "soundbite-invalid": N_(
        "A soundbite of the episode “%(episode)s” has no valid start or length: "
        "open the episode and correct the soundbite or remove it."
    ),
    "soundbite-past-end": N_(
        "A soundbite of the episode “%(episode)s” ends at %(end)s s, after the end of the "
        "audio (%(duration)s s): apps would play silence. Open the episode and move or "
        "remove the soundbite."
    ),
    "description-is-title": N_(
        "The show has no description of its own, so the feed repeats the title and Apple "
        "shows it twice. Write a few sentences about the show under Settings."
    ),
    "author-is-title": N_(
        "The author is the show’s title, so no one is named as its maker. Fill in the author "
        "(for example your department) under Settings."
    ),
    "default-category": N_(
        "The category “%(category)s” was filled in because none was chosen. Choose the "
        "category that fits the show under Settings."
    ),
    "placeholder-artwork": N_(
        "The artwork is a plain placeholder image. Upload the show’s own square image of "
        "1400–3000 px under Settings."
    ),
    "no-episodes": N_(
        "The show has no published episode yet. Apple Podcasts and Spotify accept a show "
        "only once its feed has at least one: upload and publish the first episode."
    ),
    "episode-description-is-title": N_(
        "The episode “%(episode)s” has no show notes, so the feed repeats its title as the "
        "description. Open the episode and write a few sentences."
    ),
}


@dataclass(frozen=True)
class HealthText:
    """A finding as the studio shows it."""

    severity: str
    text: str
    lang: str | None = None  # "en" for the linter's own message, when there is no wording
    code: str = ""


def health_text(finding: Finding) -> HealthText:
    """The finding in the request's language; the linter's English for an unknown code."""
    wording = WORDING.get(finding.code)
    if wording is not None:
        try:
            # Formatted here, not by gettext, which leaves a string alone when given no values.
            text = gettext(wording) % finding.params
            return HealthText(finding.severity, text, code=finding.code)
        except (KeyError, TypeError, ValueError):
            pass  # the params do not fit the wording: the English message still says it
    return HealthText(finding.severity, finding.message, "en", finding.code)
