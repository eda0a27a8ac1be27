"""The embeddable player page: framing policy, weight, themes, and what it refuses."""

from __future__ import annotations

import re

from app.embed.theme import LIGHT, contrast

EMBED = "/embed/testpodden/forsta"
WEIGHT_BUDGET = 60 * 1024


def test_embed_page_plays_nothing_until_asked(client, published):
    response = client.get(EMBED, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<audio controls preload="none"' in page
    assert '<html lang="sv">' in page  # the show's language, whatever the browser says
    assert "Set-Cookie" not in response.headers
    assert 'href="http://podcasts.test/testpodden/episodes/forsta" target="_blank"' in page
    assert " download>" in page


def test_any_origin_may_frame_by_default(client, published):
    policy = client.get(EMBED).headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "X-Frame-Options" not in client.get(EMBED).headers


def test_configured_origins_limit_framing(app, client, published):
    app.config["EMBED_ALLOWED_ORIGINS"] = ("https://malmo.se", "https://www.malmo.se")
    policy = client.get(EMBED).headers["Content-Security-Policy"]
    assert "frame-ancestors https://malmo.se https://www.malmo.se;" in policy


def test_show_embed_plays_the_latest_episode(client, published):
    page = client.get("/embed/testpodden").get_data(as_text=True)
    assert "<title>Andra – Testpodden</title>" in page


def test_embed_transfers_less_than_60_kb_before_the_audio(client, published):
    """Everything the page loads besides the audio: the HTML, our static files, the cover."""
    response = client.get(EMBED)
    page = response.get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    # favicon.svg, player.css, embed.css, player.js; no fonts
    assert len(assets) == 4
    covers = re.findall(r'srcset="([^"]+)"', page)[0].split(", ")
    assets += [source.split()[0].removeprefix("http://podcasts.test") for source in covers]
    assert len(assets) == 6  # and the cover at both its sizes, the most a browser fetches
    total = len(response.data)
    for url in assets:
        with client.get(url) as asset:
            total += len(asset.data)
    assert total < WEIGHT_BUDGET, total
    assert not re.search(r'(?:href|src)="https?://(?!podcasts\.test/)', page)  # no third party


def test_static_assets_are_cached_for_a_year(client, published):
    page = client.get(EMBED).get_data(as_text=True)
    script = re.search(r'src="(/static/player\.js\?v=[0-9a-f]+)"', page).group(1)
    with client.get(script) as response:
        assert "max-age=31536000" in response.headers["Cache-Control"]


def test_compact_mode_and_dark_theme(client, published):
    page = client.get(EMBED + "?compact=1&theme=dark").get_data(as_text=True)
    assert '<body class="compact">' in page
    assert "color-scheme: dark; --bg: #121212" in page


def test_a_colour_too_light_to_read_is_darkened(client, published):
    page = client.get(EMBED + "?color=ffff00").get_data(as_text=True)
    accent = re.search(r"--accent: (#[0-9a-f]{6})", page).group(1)
    assert accent != "#ffff00"
    assert contrast(accent, LIGHT.background) >= 4.5


def test_bad_parameters_are_refused(client, published):
    for query in ("theme=pink", "color=red", "color=%23gggggg"):
        response = client.get(f"{EMBED}?{query}")
        assert response.status_code == 422, query
        assert response.get_data(as_text=True).count("must be") == 1


def test_unknown_and_unpublished_are_404(app, client, show, audio_dir):
    from app.services.episodes import add_episode

    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        add_episode(show, audio, title="Utkast", publish=False)
    assert client.get("/embed/testpodden/utkast").status_code == 404
    assert client.get("/embed/testpodden").status_code == 404  # nothing published yet
    assert client.get("/embed/finns-inte").status_code == 404


def test_language_parameter_overrides_the_show_language(client, published):
    page = client.get(EMBED + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'aria-label="Back 15 seconds"' in page
