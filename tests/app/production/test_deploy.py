"""deploy/: the nginx site passes ``nginx -t``, and the environment template lists every setting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bench.cluster import ROOT, SITE, nginx_test, render_site, write_nginx_conf
from tests.conftest import missing_service

CONFIG = ROOT / "app" / "config.py"
TEMPLATE = ROOT / "deploy" / "podhost.env"
# Settings read outside app/config.py, by the module that alone uses each.
ELSEWHERE = {
    "PODHOST_INSTANCE_PATH",  # app/__init__.py
    "QUEUE_URL",  # app/health.py
    "READY_TIMEOUT",  # app/health.py
    "METRICS_TOKEN",  # app/metrics.py
    "WEB_CONCURRENCY",  # deploy/gunicorn.conf.py
    "PODHOST_BIND",  # deploy/gunicorn.conf.py
}


def test_the_site_passes_nginx_t(tmp_path: Path):
    if shutil.which("nginx") is None:
        missing_service("nginx not found (apt-get install nginx-light; make test installs it)")
    site = render_site(
        SITE.read_text(),
        listen=8080,
        upstreams=[8001, 8002],
        static_root=ROOT / "app" / "static",
        media_root=tmp_path / "media",
        cache_dir=tmp_path / "cache",
    )
    result = nginx_test(write_nginx_conf(tmp_path / "nginx", site))
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_a_site_of_another_shape_is_refused(tmp_path: Path):
    """The test's templating fails loudly rather than test a site it did not adapt."""
    with pytest.raises(RuntimeError, match="expected one match"):
        render_site(
            SITE.read_text().replace("listen 80;", "listen 81;"),
            listen=8080,
            upstreams=[8001],
            static_root=tmp_path,
            media_root=tmp_path,
            cache_dir=tmp_path,
        )


def settings_in_config() -> set[str]:
    source = CONFIG.read_text()
    patterns = (
        r'env\.get\("([A-Z0-9_]+)"',
        r'env\["([A-Z0-9_]+)"\]',
        r'\(env, "([A-Z0-9_]+)"',
        r'number\("([A-Z0-9_]+)"',
        r'"((?:S3|STORAGE_PUBLIC)_[A-Z0-9_]+)": "[a-z_]+"',
    )
    return {name for pattern in patterns for name in re.findall(pattern, source)}


def test_the_environment_template_names_every_setting():
    template = TEMPLATE.read_text()
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", template, flags=re.MULTILINE))
    expected = settings_in_config() | ELSEWHERE
    assert len(settings_in_config()) > 30  # the patterns still find app/config.py's reads
    assert expected - named == set()


def test_required_settings_are_marked():
    template = TEMPLATE.read_text()
    for name in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL", "STORAGE_URL", "TRUSTED_PROXIES"):
        assert re.search(rf"# REQUIRED[^\n]*\n(?:#[^\n]*\n)*{name}=", template), name
