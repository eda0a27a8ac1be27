"""The new-show page: one form, every mistake at once, the address name proposed."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Show
from tests.app.studio.conftest import token_of

URL = "/studio/admin/shows/new"
GOOD = {
    "title": "Nya podden",
    "description": "Om **Malmö**.",
    "category": "Society & Culture::Documentary",
    "language": "sv",
    "owner_email": "podd@example.org",
}


def post(client, **data):
    return client.post(URL, data={"csrf_token": token_of(client), **data})


def artwork_png(size: int = 1400) -> io.BytesIO:
    stream = io.BytesIO()
    Image.new("RGB", (size, size), (0, 120, 150)).save(stream, "PNG")
    stream.seek(0)
    return stream


def test_an_empty_form_names_every_missing_field_at_once(app, admin_client):
    response = post(admin_client, category="", language="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "4 things to fix before saving" in page
    for field in ("title", "language", "owner_email", "category"):
        assert f'id="{field}-error"' in page and f'href="#{field}"' in page
    # No address name to complain about: it is made from the title, which is missing.
    assert 'id="slug-error"' not in page
    with app.app_context():
        assert db.session.scalars(select(Show)).all() == []


def test_a_wrong_slug_and_a_small_image_are_named_together(app, admin_client):
    response = admin_client.post(
        URL,
        data={
            "csrf_token": token_of(admin_client),
            **GOOD,
            "slug": "Ogiltig Adress",
            "artwork": (artwork_png(200), "liten.png"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="slug-error"' in page and 'id="artwork-error"' in page
    assert 'value="Nya podden"' in page  # what was typed stays


def test_the_slug_is_made_from_the_title_and_everything_is_kept(app, admin_client):
    response = admin_client.post(
        URL,
        data={
            "csrf_token": token_of(admin_client),
            **GOOD,
            "title": "Miljonprogrammet i Malmö",
            "artwork": (artwork_png(), "omslag.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/studio/miljonprogrammet-i-malmo/")
    with app.app_context():
        show = db.session.scalars(select(Show)).one()
        assert (show.slug, show.category, show.subcategory) == (
            "miljonprogrammet-i-malmo",
            "Society & Culture",
            "Documentary",
        )
        assert show.description == "Om **Malmö**." and show.image.size > 0
    assert admin_client.get("/miljonprogrammet-i-malmo/feed.xml").status_code == 200
    taken = post(admin_client, **(GOOD | {"title": "Igen", "slug": "miljonprogrammet-i-malmo"}))
    assert taken.status_code == 422 and 'id="slug-error"' in taken.get_data(as_text=True)


def test_categories_are_offered_by_swedish_name_with_apples_values(admin_client):
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = admin_client.get(URL).get_data(as_text=True)
    assert 'value="Government">Offentlig förvaltning, allmänt</option>' in page
    assert '<option value="Society &amp; Culture::Documentary">Dokumentär</option>' in page
    assert '<optgroup label="Samhälle och kultur">' in page
    assert 'value="sv">Svenska</option>' in page
