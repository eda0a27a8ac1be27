# ruff: noqa: E501  (feed templates are kept in the shape hosts write them)
"""A real HTTP server on loopback playing the old host, and feeds in the shapes real hosts write.

The shapes follow what Libsyn, Anchor (Spotify for Podcasters) and Buzzsprout
publish: CDATA everywhere, HTML show notes in <description>, enclosure URLs
behind tracking redirects, podcast:locked on by default at Buzzsprout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


@dataclass
class SourceServer:
    """Routes by path (query included); counts the bytes sent per path."""

    host: str = "127.0.0.1"
    routes: dict[str, Route] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def start(self) -> SourceServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                    server.sent[self.path] = server.sent.get(self.path, 0) + len(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def file(self, path: str, body: bytes, content_type: str) -> str:
        self.routes[path] = (200, {"Content-Type": content_type}, body)
        return self.url(path)

    def redirect(self, path: str, target: str, status: int = 302) -> str:
        self.routes[path] = (status, {"Location": target}, b"")
        return self.url(path)


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


@dataclass
class SourceEpisode:
    guid: str | None
    title: str
    published_at: datetime
    audio_path: str  # where the server serves the audio
    audio: Path
    duration: str | None = "00:00:03"
    description: str = "Plain description."
    extra: str = ""  # more item XML


NAMESPACES = (
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:podcast="https://podcastindex.org/namespace/1.0"'
)


def episodes(audio: Path, count: int, prefix: str = "ep") -> list[SourceEpisode]:
    start = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    return [
        SourceEpisode(
            guid=f"{prefix}-guid-{n}",
            title=f"Avsnitt {n}: Möllevången",
            published_at=start + timedelta(days=7 * n),
            audio_path=f"/media/{prefix}{n}.mp3",
            audio=audio,
        )
        for n in range(1, count + 1)
    ]


def serve_audio(server: SourceServer, items: list[SourceEpisode]) -> None:
    for item in items:
        server.file(item.audio_path, item.audio.read_bytes(), "audio/mpeg")


def libsyn_feed(server: SourceServer, items: list[SourceEpisode], artwork: str) -> bytes:
    """Libsyn: traffic.libsyn.com enclosure URLs that redirect to the CDN, HTML in CDATA."""
    parts = []
    for item in items:
        traffic = f"/traffic/secure/{item.audio_path.rsplit('/', 1)[1]}?dest-id=12345"
        server.redirect(traffic, server.url(item.audio_path))
        size = item.audio.stat().st_size
        parts.append(
            f"""<item>
<title>{escape(item.title)}</title>
<itunes:title>{escape(item.title)}</itunes:title>
<pubDate>{rfc822(item.published_at)}</pubDate>
<guid isPermaLink="false"><![CDATA[{item.guid}]]></guid>
<link><![CDATA[https://show.libsyn.com/{item.guid}]]></link>
<itunes:image href="{artwork}"/>
<description><![CDATA[<p>{item.description}</p>]]></description>
<content:encoded><![CDATA[<p>{item.description} <a href="https://malmo.se">Länk</a></p><script>alert(1)</script>]]></content:encoded>
<enclosure length="{size}" type="audio/mpeg" url="{server.url(traffic)}"/>
{f"<itunes:duration>{item.duration}</itunes:duration>" if item.duration else ""}
<itunes:explicit>false</itunes:explicit>
<itunes:keywords/>
<itunes:subtitle><![CDATA[{item.description}]]></itunes:subtitle>
<itunes:episodeType>full</itunes:episodeType>
{item.extra}
</item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss {NAMESPACES} version="2.0">
<channel>
<atom:link href="https://feeds.libsyn.com/12345/rss" rel="self" type="application/rss+xml"/>
<title>Stadsdelspodden</title>
<pubDate>{rfc822(items[-1].published_at if items else datetime(2024, 1, 1, tzinfo=UTC))}</pubDate>
<generator>Libsyn WebEngine 2.0</generator>
<link>https://stadsdel.libsyn.com</link>
<language>sv</language>
<copyright><![CDATA[Malmö stad]]></copyright>
<docs>https://stadsdel.libsyn.com</docs>
<managingEditor>podd@malmo.se (Malmö stad)</managingEditor>
<itunes:summary><![CDATA[Om Malmös stadsdelar.]]></itunes:summary>
<image><url>{artwork}</url><title>Stadsdelspodden</title><link><![CDATA[https://stadsdel.libsyn.com]]></link></image>
<itunes:author>Malmö stad</itunes:author>
<itunes:keywords>malmö,stadsdelar</itunes:keywords>
<itunes:category text="Government"/>
<itunes:category text="Society &amp; Culture"><itunes:category text="Places &amp; Travel"/></itunes:category>
<itunes:image href="{artwork}"/>
<itunes:explicit>false</itunes:explicit>
<itunes:owner><itunes:name><![CDATA[Malmö stad]]></itunes:name><itunes:email>podd@malmo.se</itunes:email></itunes:owner>
<description><![CDATA[<p>Om Malmös <b>stadsdelar</b>.</p>]]></description>
<itunes:type>episodic</itunes:type>
{"".join(parts)}
</channel>
</rss>""".encode()


def anchor_feed(server: SourceServer, items: list[SourceEpisode], artwork: str) -> bytes:
    """Anchor: a play URL that redirects to CloudFront with the target URL-encoded in the path."""
    from urllib.parse import quote

    parts = []
    for number, item in enumerate(items, start=1):
        play = f"/s/abc123/podcast/play/{number}/" + quote(server.url(item.audio_path), safe="")
        server.redirect(play, server.url(item.audio_path))
        parts.append(
            f"""<item><title><![CDATA[{item.title}]]></title>
<description><![CDATA[<p>{item.description}</p><p>---</p><p>Send in a voice message</p>]]></description>
<link>https://podcasters.spotify.com/pod/show/x/episodes/e{number}</link>
<guid isPermaLink="false">{item.guid}</guid>
<dc:creator><![CDATA[Malmö stad]]></dc:creator>
<pubDate>{item.published_at.strftime("%a, %d %b %Y %H:%M:%S GMT")}</pubDate>
<enclosure url="{escape(server.url(play))}" length="{item.audio.stat().st_size}" type="audio/mpeg"/>
<itunes:summary>&lt;p&gt;{item.description}&lt;/p&gt;</itunes:summary>
<itunes:explicit>No</itunes:explicit>
{f"<itunes:duration>{item.duration}</itunes:duration>" if item.duration else ""}
<itunes:image href="{artwork}"/>
<itunes:episode>{number}</itunes:episode>
<itunes:season>2</itunes:season>
<itunes:episodeType>{"trailer" if number == 1 else "full"}</itunes:episodeType>
{item.extra}
</item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" {NAMESPACES} xmlns:anchor="https://anchor.fm/xmlns" version="2.0">
<channel>
<title><![CDATA[Ungdomspodden]]></title>
<description><![CDATA[<p>Unga i Malmö berättar.</p>]]></description>
<link>https://podcasters.spotify.com/pod/show/x</link>
<image><url>{artwork}</url><title>Ungdomspodden</title><link>https://podcasters.spotify.com/pod/show/x</link></image>
<generator>Anchor Podcasts</generator>
<lastBuildDate>Mon, 13 May 2024 22:00:00 GMT</lastBuildDate>
<atom:link href="https://anchor.fm/s/abc123/podcast/rss" rel="self" type="application/rss+xml"/>
<author><![CDATA[Malmö stad]]></author>
<copyright><![CDATA[Malmö stad]]></copyright>
<language><![CDATA[sv]]></language>
<atom:link rel="hub" href="https://pubsubhubbub.appspot.com/"/>
<itunes:author>Malmö stad</itunes:author>
<itunes:summary>Unga i Malmö berättar.</itunes:summary>
<itunes:type>serial</itunes:type>
<itunes:owner><itunes:name>Malmö stad</itunes:name><itunes:email>unga@malmo.se</itunes:email></itunes:owner>
<itunes:explicit>Yes</itunes:explicit>
<itunes:category text="Education"/>
<itunes:image href="{artwork}"/>
{"".join(parts)}
</channel>
</rss>""".encode()


def buzzsprout_feed(
    server: SourceServer,
    items: list[SourceEpisode],
    artwork: str,
    *,
    locked: bool = True,
    person_img: str | None = None,
) -> bytes:
    """Buzzsprout: podcast:locked yes by default, an OP3-style prefix, chapters and transcripts."""
    parts = []
    for number, item in enumerate(items, start=1):
        hostpath = server.url(item.audio_path).split("://", 1)[1]
        prefixed = f"/op3/e/{hostpath}"
        server.redirect(prefixed, server.url(item.audio_path))
        parts.append(
            f"""<item>
<itunes:episodeType>full</itunes:episodeType>
<itunes:title>{escape(item.title)}</itunes:title>
<title>{escape(item.title)}</title>
<description><![CDATA[<p>{item.description}</p>]]></description>
<content:encoded><![CDATA[<p>{item.description}</p><ul><li>Punkt</li></ul>]]></content:encoded>
<itunes:author>Malmö stad</itunes:author>
<enclosure url="{server.url(prefixed)}" length="{item.audio.stat().st_size}" type="audio/mpeg" />
<guid isPermaLink="false">{item.guid}</guid>
<pubDate>{item.published_at.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S -0000")}</pubDate>
{f"<itunes:duration>{int(float(item.duration.split(':')[-1]))}</itunes:duration>" if item.duration else ""}
<itunes:episode>{number}</itunes:episode>
<itunes:season>1</itunes:season>
<podcast:episode>{number}</podcast:episode>
<podcast:season name="Våren">1</podcast:season>
<itunes:explicit>false</itunes:explicit>
<podcast:person role="host" href="https://malmo.se/anna">Anna Andersson</podcast:person>
{item.extra}
</item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" {NAMESPACES}>
<channel>
<atom:link href="https://feeds.buzzsprout.com/123456.rss" rel="self" type="application/rss+xml" />
<atom:link href="https://pubsubhubbub.appspot.com/" rel="hub" xmlns="http://www.w3.org/2005/Atom" />
<title>Kulturpodden</title>
<lastBuildDate>Wed, 15 May 2024 10:00:00 -0400</lastBuildDate>
<link>https://kultur.buzzsprout.com</link>
<language>sv</language>
<copyright>© 2024 Malmö stad</copyright>
<podcast:locked owner="kultur@malmo.se">{"yes" if locked else "no"}</podcast:locked>
<podcast:guid>5e0bb2a4-0c4d-5d0b-9b4b-3a7b0b2b4a11</podcast:guid>
<itunes:author>Malmö stad</itunes:author>
<itunes:type>episodic</itunes:type>
<itunes:explicit>false</itunes:explicit>
<description><![CDATA[<p>Kultur i Malmö.</p>]]></description>
<itunes:keywords>kultur</itunes:keywords>
<itunes:owner><itunes:name>Malmö stad</itunes:name><itunes:email>kultur@malmo.se</itunes:email></itunes:owner>
<image><url>{artwork}</url><title>Kulturpodden</title><link>https://kultur.buzzsprout.com</link></image>
<itunes:image href="{artwork}" />
<itunes:category text="Arts" />
<podcast:funding url="https://malmo.se/stod">Stöd oss</podcast:funding>
<podcast:person role="host"{f' img="{person_img}"' if person_img else ""}>Anna Andersson</podcast:person>
<podcast:medium>podcast</podcast:medium>
{"".join(parts)}
</channel>
</rss>""".encode()
