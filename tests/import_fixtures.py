"""Fixtures for the import tests: real WARC and WACZ files written with warcio, real images
written with Pillow, and a reader for the article folders import writes."""
from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
IMPORT_CORPUS = ROOT / "tests" / "corpus" / "import"
SOFTWARE = "Heritrix/3.4.0-20200304 https://github.com/internetarchive/heritrix3"
CAPTURED = "2020-01-04T10:11:12Z"
PAGE_URL = "https://www.defense.gov/News/News-Stories/Article/Article/2049868/"

ALT_1 = "A Marine with combat gear stands watch on top of a building. A U.S. flag is in the background."
ALT_2 = "Three Marines wearing combat equipment are silhouetted against a city skyline at night."
CAPTION_1 = "A Marine stands guard atop a building at the U.S. Embassy compound in Baghdad, Jan. 3, 2020."
CAPTION_2 = "Marines stand watch over the U.S. Embassy compound in Baghdad, Dec. 31, 2019."
PHOTO_1 = "https://media.defense.gov/2020/Jan/03/2002229714/standing-watch.jpg"
PHOTO_2 = "https://media.defense.gov/2019/Dec/31/2002230033/night-watch.jpg"
DIVIDER = "https://www.defense.gov/images/rule.png"


def jpeg(width=64, height=48, color=(120, 90, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=80)
    return out.getvalue()


def png(width=40, height=8, color=(200, 200, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def three_photo_page(extra_body: str = "") -> str:
    """A news release with three photos: one captured whose caption carries 'Photo By:' and a
    VIRIN in its text, one never captured (credit and VIRIN in markup), one decorative."""
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<title>Senior DOD Official Describes Rationale for Attack on Quds Force Commander &gt; U.S. Department of Defense</title>
<meta property="og:site_name" content="U.S. Department of Defense">
<link rel="canonical" href="{PAGE_URL}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Senior DOD Official Describes Rationale for Attack on Quds Force Commander",
 "datePublished": "2020-01-03T21:05:00-05:00", "author": {{"@type": "Person", "name": "Jim Garamone"}},
 "publisher": {{"@type": "Organization", "name": "U.S. Department of Defense"}},
 "license": "Public domain. A work of the U.S. Government (17 U.S.C. § 105); no copyright."}}</script>
</head><body>
<nav><a href="/">Home</a> <a href="/News/">News</a> <a href="/About/">About</a></nav>
<main><article>
<h1>Senior DOD Official Describes Rationale for Attack on Quds Force Commander</h1>
<p>President Donald J. Trump last night directed, and the Defense Department subsequently launched, an airstrike that killed Iranian Gen. Qassem Soleimani, the head of the Quds Force, a senior DOD official said during a news teleconference.</p>
<figure><img src="{PHOTO_1}" alt="{ALT_1}" title="Standing Watch">
<figcaption>{CAPTION_1} Photo By: Marine Corps Sgt. Kyle Talbot VIRIN: 200103-M-ZX256-1032Y</figcaption></figure>
<p>"He was the commander directly responsible for organizing and directing multiple attacks against Americans in the region," the official said today. Kataeb Hezbollah is a group with links to the Iranian Islamic Revolutionary Guard's Quds Force.</p>
<p><img src="{DIVIDER}" alt=""></p>
<p>This U.S. attack was carried out in a manner that minimized collateral damage. It was designed to defend American lives and to prevent further bloodshed, the official noted.</p>
<figure><img src="{PHOTO_2}" alt="{ALT_2}" title="Night Watch">
<figcaption><span class="caption-text">{CAPTION_2}</span> <span class="credit">Photo By: Marine Corps Sgt. Kyle Talbot</span> <span class="virin">VIRIN: 191231-M-ZX256-1025Y</span></figcaption></figure>
<p>"We have been very clear with Iran and our Iraqi partners that these increasing attacks need to stop and that we would hold Iran directly responsible for any harm to U.S. personnel," the official concluded.</p>
{extra_body}
</article></main>
<footer><a href="/Privacy/">Privacy</a></footer>
</body></html>"""


def html_response(url: str, body: bytes | str, content_type="text/html; charset=utf-8", status="200 OK"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return (url, "response", data, content_type, status)


def write_warc(path: Path, records, gzip_records: bool = True, date: str = CAPTURED) -> list[int]:
    """A WARC with a warcinfo record (software) and the given records; their offsets."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    offsets = []
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzip_records)
        writer.write_record(writer.create_warcinfo_record(
            path.name, {"software": SOFTWARE, "format": "WARC File Format 1.1"}))
        for url, kind, data, content_type, status in records:
            offsets.append(stream.tell())
            if kind == "revisit":
                headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
                record = writer.create_revisit_record(url, digest=data.decode(), refers_to_uri=url,
                                                      refers_to_date=date, http_headers=headers)
            else:
                headers = StatusAndHeaders(status, [("Content-Type", content_type),
                                                    ("Content-Length", str(len(data)))],
                                           protocol="HTTP/1.1")
                record = writer.create_warc_record(url, kind, payload=io.BytesIO(data),
                                                   http_headers=headers,
                                                   warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
    return offsets


def three_photo_records(page: str | None = None):
    return [html_response(PAGE_URL, page or three_photo_page()),
            (PHOTO_1, "response", jpeg(), "image/jpeg", "200 OK"),
            (DIVIDER, "response", png(), "image/png", "200 OK")]


def write_wacz(path: Path, records, pages=(PAGE_URL,), index: bool = True):
    """A WACZ (zip): archive/data.warc.gz, its CDXJ index, pages/pages.jsonl, datapackage.json."""
    warc = path.parent / "data.warc.gz"
    offsets = write_warc(warc, records)
    data = warc.read_bytes()
    ends = offsets[1:] + [len(data)]
    lines = []
    for (url, kind, body, content_type, status), start, end in zip(records, offsets, ends):
        surt = re.sub(r"^https?://(www\.)?", "", url)
        host, _, rest = surt.partition("/")
        key = ",".join(reversed(host.split("."))) + ")/" + rest
        fields = {"url": url, "mime": content_type.split(";")[0], "status": status.split()[0],
                  "digest": "sha1:X", "length": str(end - start), "offset": str(start),
                  "filename": "data.warc.gz"}
        lines.append(f"{key} 20200104101112 {json.dumps(fields)}")
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(zipfile.ZipInfo("archive/data.warc.gz"), data)  # stored, as WACZ asks
        if index:
            package.writestr("indexes/index.cdxj", "\n".join(sorted(lines)) + "\n")
        package.writestr("pages/pages.jsonl", "\n".join(
            [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
            + [json.dumps({"id": str(i), "url": url, "ts": CAPTURED}) for i, url in enumerate(pages)]) + "\n")
        package.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))
    warc.unlink()


def read_article(folder: Path) -> tuple[dict, list[dict], str]:
    """Front matter, figure blocks (as dicts, with their first line) and the body text."""
    text = (folder / "article.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    front = yaml.safe_load(text[4:end])
    body = text[end + 5:]
    figures = []
    for match in re.finditer(r"^```figure\n(.*?)\n```$", text, flags=re.S | re.M):
        fields = yaml.safe_load(match.group(1))
        fields["_line"] = text[: match.start()].count("\n") + 1
        figures.append(fields)
    return front, figures, body


def folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def gzip_member(data: bytes) -> bytes:
    return gzip.compress(data)
