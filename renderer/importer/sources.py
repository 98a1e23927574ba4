"""Sources: what an archive holds, read as streams, one page at a time.

A source is an `.html` file, a saved-page folder, a WARC (`.warc`, `.warc.gz`) or a WACZ.
Each yields `Capture`s (a page's bytes, where it came from, and a way to look up the images it
names) or `SourceError`s (one line each), so one bad record never stops the others.

WARCs are read with `warcio`: one pass builds a small index (URL → record offset, no payloads),
then each page and image is read by seeking to its record, so memory stays flat however large
the archive. A WACZ is a zip: its CDXJ index gives the same offsets into the WARCs it holds,
and `pages/pages.jsonl` says which pages to import. Nothing here opens a network connection.
"""
from __future__ import annotations

import base64
import fnmatch
import gzip
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, unquote_to_bytes, urldefrag, urljoin, urlsplit

MB = 1_000_000
MAX_PAGE_BYTES = 5 * MB       # a news page is well under 1 MB; 5 MB is data, not an article
MAX_IMAGE_BYTES = 50 * MB     # far above any photo on a web page
MAX_DATA_URI_BYTES = 5 * MB
HTML_TYPES = ("text/html", "application/xhtml+xml")
ARCHIVE_ERRORS: tuple = ()  # filled below, once warcio is imported


@dataclass(frozen=True)
class Fetched:
    """An image looked up in the capture: its bytes, or why there are none."""
    data: bytes | None
    content_type: str = ""
    reason: str = ""   # when data is None: "not captured with the page", "status 404 …"
    url: str = ""      # the URL that answered (after redirects inside the archive)


@dataclass
class Capture:
    """One page as the archive holds it. `where` names file, record and URL for messages."""
    html: bytes
    url: str                  # the page's URL (WARC-Target-URI), or "" for a local file
    base_url: str             # what relative URLs resolve against, as a browser would
    where: str                # "crawl.warc.gz: record <urn:uuid:…> at offset 1234 (https://…)"
    content_type: str = ""    # the HTTP Content-Type (with its charset), if any
    content_language: str = ""
    provenance: dict = field(default_factory=dict)  # captured, capture_id, capture_file, …
    lookup: object = None     # callable(url) -> Fetched; never touches the network
    key: str = ""             # identifies this capture across runs (re-import protection)


@dataclass(frozen=True)
class SourceError:
    """A page or record that cannot be imported; the run goes on."""
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def iter_captures(source: Path, patterns=()):
    """Every page of one SOURCE, in archive order, as Capture or SourceError."""
    for item in plan(source, patterns):
        yield item if isinstance(item, SourceError) else item()


def plan(source: Path, patterns=()):
    """The pages of one SOURCE, in archive order: SourceErrors, and loaders (no-argument
    callables returning a Capture or a SourceError) that read one page when called.

    Indexing happens here; reading pages is left to the loaders, so several processes can
    share one index (forked) and each read its own pages."""
    source = Path(source)
    if not source.exists():
        yield SourceError(str(source), "no such file or folder; check the path")
        return
    if source.is_dir():
        yield from _folder_captures(source)
        return
    name = source.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")):
        yield from WarcArchive(source).captures(patterns)
    elif name.endswith(".wacz"):
        yield from _wacz_captures(source, patterns)
    elif name.endswith((".html", ".htm", ".xhtml")):
        yield from _file_capture(source)
    else:
        yield SourceError(str(source), "not a page or an archive this importer reads; give an "
                          ".html file, a saved-page folder, a .warc, .warc.gz or .wacz file")


# ---------------------------------------------------------------- saved pages
def _folder_captures(folder: Path):
    pages = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in (".html", ".htm", ".xhtml"))
    if not pages:
        yield SourceError(str(folder), "no .html file in this folder; give the saved page "
                          "itself or the folder the browser saved it in")
    for page in pages:
        yield from _file_capture(page)


SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.I)


def _file_capture(path: Path):
    yield lambda: _load_file(path)


def _load_file(path: Path):
    """A page saved by a browser; its images are the files beside it (never the web)."""
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise _TooLarge(size)
        data = path.read_bytes()
    except _TooLarge as too:
        return SourceError(str(path), too.message())
    except OSError as exc:
        return SourceError(str(path), f"cannot read the file ({exc.strerror}); check its permissions")
    saved = SAVED_FROM.search(data[:4096])
    url = saved.group(1).decode("ascii", "replace") if saved else ""
    if not url.startswith(("http://", "https://")):
        url = ""
    root = path.parent.resolve()
    return Capture(html=data, url=url, base_url=path.resolve().as_uri(), where=str(path),
                  provenance={}, lookup=_LocalFiles(root), key=f"file:{path.name}")


class _LocalFiles:
    """Images of a saved page: files under the page's folder, and data: URIs. Nothing else."""

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, url: str) -> Fetched:
        if url.startswith("data:"):
            return data_uri(url)
        parts = urlsplit(url)
        if parts.scheme != "file":
            return Fetched(None, reason="not saved with the page")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            return Fetched(None, reason="outside the saved page's folder")
        if not path.is_file():
            return Fetched(None, reason="not saved with the page")
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return Fetched(None, reason=f"over {MAX_IMAGE_BYTES // MB} MB")
        return Fetched(path.read_bytes(), url=url)


def data_uri(url: str) -> Fetched:
    """Decode a `data:` URI (base64 or percent-encoded), refusing one over the size limit."""
    header, _, payload = url[5:].partition(",")
    if len(payload) > MAX_DATA_URI_BYTES * 4 // 3 + 4:
        return Fetched(None, reason=f"a data: URI over {MAX_DATA_URI_BYTES // MB} MB")
    kind = header.split(";")[0].strip().lower()
    try:
        if header.lower().endswith(";base64"):
            data = base64.b64decode(re.sub(r"\s+", "", unquote(payload)), validate=True)
        else:
            data = unquote_to_bytes(payload)
    except ValueError:
        return Fetched(None, reason="a data: URI that does not decode")
    return Fetched(data, content_type=kind, url="")


class _TooLarge(Exception):
    def __init__(self, size):
        self.size = size

    def message(self) -> str:
        return (f"the page is {self.size / MB:.1f} MB, over the {MAX_PAGE_BYTES // MB} MB "
                "limit for one page; this is not an article page (a data dump or a generated "
                "listing?): leave it out, or cut it down to the article and import that file")


# ---------------------------------------------------------------- WARC
@dataclass(frozen=True)
class Entry:
    """What the index keeps of one record: enough to find and judge it, no payload."""
    offset: int
    kind: str          # response, resource, revisit
    status: int
    mime: str
    digest: str
    date: str
    record_id: str
    location: str = ""           # a redirect's target
    refers_to: tuple = ()        # a revisit's (target URI, date)
    warcinfo: str = ""           # WARC-Warcinfo-ID
    member: str = ""             # inside a WACZ: the WARC's path in the zip
    length: int = 0              # the record's length in the file


def _archive_errors():
    from warcio.exceptions import ArchiveLoadFailed
    from warcio.statusandheaders import StatusAndHeadersParserException
    import zlib
    return (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError, OSError,
            ValueError, UnicodeDecodeError, IndexError, KeyError)


class WarcArchive:
    """One WARC file (or the WARCs inside a WACZ): an index, then reads by offset."""

    def __init__(self, path: Path, opener=None, label: str | None = None):
        self.path = Path(path)
        self.label = label or self.path.name           # capture_file
        self.where_file = str(path)
        self._opener = opener or (lambda member: open(self.path, "rb"))
        self.by_url: dict[str, list[Entry]] = {}
        self.by_digest: dict[str, Entry] = {}
        self.pages: list[tuple[str, Entry]] = []       # HTML 200 responses, in file order
        self.software: dict[str, str] = {}             # warcinfo record id → software
        self.first_software = ""
        self.errors: list[SourceError] = []

    # -------------------------------------------------------- index
    def build_index(self, member: str = ""):
        """One pass over the records' headers (payloads are streamed past, not kept)."""
        from warcio.archiveiterator import ArchiveIterator

        if not self._starts_like_warc(member):
            self.errors.append(SourceError(self._where(member, 0), "not a WARC file (it does not "
                               "start with a WARC record); give a .warc or .warc.gz file written "
                               "by a crawler, or check that it is whole"))
            return

        import contextlib

        errors = _archive_errors()
        last, count = 0, 0
        try:  # warcio writes its warnings to stderr; what matters is reported below, in one line
            with self._opener(member) as stream, contextlib.redirect_stderr(io.StringIO()):
                records = ArchiveIterator(stream)
                for record in records:
                    fields = None  # read before the offset: asking for it skips the payload
                    if record.rec_type == "warcinfo":
                        fields = _warc_fields(record.content_stream().read(65536))
                    short = _cut_short(record)
                    start = records.get_record_offset()
                    last = start + records.get_record_length()
                    count += 1
                    if short:
                        url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
                        record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<> ")
                        self.errors.append(SourceError(
                            self._where(member, start, url, record_id),
                            "the record is cut short (the file ends inside it); the records before "
                            "it were read: re-download or repair the file to import the rest"))
                        return
                    self._add(record, start, member, fields, records.get_record_length())
                size = _size_of(stream)
                if size is not None and size - last > 4:
                    stream.seek(last)  # the next record starts after the blank lines
                    head = stream.read(8)
                    last += len(head) - len(head.lstrip(b"\r\n"))
            if count and size is not None and size - last > 4:  # 4: an uncompressed record's
                self.errors.append(SourceError(   # closing blank lines are not in its length
                    self._where(member, last), "the archive is damaged or cut short after this "
                    "point (no whole record follows); the records before it were read: "
                    "re-download or repair the file to import the rest"))
            elif not count:
                self.errors.append(SourceError(self._where(member, 0), "not a WARC file (no "
                                   "record in it); give a .warc or .warc.gz file written by a "
                                   "crawler, or check that it is whole"))
        except errors as exc:
            if count == 0:
                self.errors.append(SourceError(
                    self._where(member, 0), f"not a WARC file ({_describe(exc)}); give a "
                    ".warc or .warc.gz file written by a crawler, or check that it is whole"))
                return
            self.errors.append(SourceError(
                self._where(member, last),
                f"the archive is damaged after this point ({_describe(exc)}); the records "
                "before it were read: repair or re-download the file to import the rest"))

    def _starts_like_warc(self, member: str) -> bool:
        try:
            with self._opener(member) as stream:
                head = stream.read(4096)
        except OSError:
            return False
        if head[:2] == b"\x1f\x8b":
            import zlib
            try:
                head = zlib.decompressobj(31).decompress(head)
            except zlib.error:
                return False
        return head.lstrip(b"\r\n").startswith((b"WARC/", b"filedesc:"))

    def _add(self, record, offset: int, member: str, fields=None, length: int = 0):
        headers = record.rec_headers
        kind = record.rec_type
        record_id = (headers.get_header("WARC-Record-ID") or "").strip("<> ")
        if kind == "warcinfo":
            software = (fields or {}).get("software", "")
            self.software[record_id] = software
            self.first_software = self.first_software or software
            return
        if kind not in ("response", "resource", "revisit"):
            return
        url = headers.get_header("WARC-Target-URI") or ""
        url = url.strip("<>")
        http = record.http_headers
        status, mime, location = 200, "", ""
        if http is not None and kind != "resource":
            try:
                status = int(http.get_statuscode() or 0)
            except ValueError:
                status = 0
            mime = http.get_header("Content-Type") or ""
            location = http.get_header("Location") or ""
        else:
            mime = headers.get_header("Content-Type") or ""
        entry = Entry(offset=offset, kind=kind, status=status, mime=mime,
                      digest=headers.get_header("WARC-Payload-Digest") or "",
                      date=headers.get_header("WARC-Date") or "", record_id=record_id,
                      location=location,
                      refers_to=(headers.get_header("WARC-Refers-To-Target-URI") or "",
                                 headers.get_header("WARC-Refers-To-Date") or ""),
                      warcinfo=(headers.get_header("WARC-Warcinfo-ID") or "").strip("<> "),
                      member=member, length=length)
        self.by_url.setdefault(urldefrag(url)[0], []).append(entry)
        if kind != "revisit" and entry.digest:
            self.by_digest.setdefault(entry.digest, entry)
        if status == 200 and _base_mime(mime) in HTML_TYPES:
            self.pages.append((url, entry))

    def _where(self, member: str, offset: int, url: str = "", record_id: str = "") -> str:
        name = f"{self.where_file}#{member}" if member else self.where_file
        record = f"record {record_id} " if record_id else "record "
        return f"{name}: {record}at offset {offset}" + (f" ({url})" if url else "")

    # -------------------------------------------------------- pages
    def captures(self, patterns=(), wanted=None):
        """Captures of the HTML pages (or those matching --url patterns, or `wanted` URLs)."""
        if not self.by_url and not self.errors:
            self.build_index()
        yield from self.errors
        seen, matched = set(), set()
        candidates = self.pages
        if patterns:
            candidates = [(url, e) for url, entries in self.by_url.items() for e in entries
                          if any(_matches(p, url) for p in patterns)]
            candidates.sort(key=lambda item: (item[1].member, item[1].offset))
            matched = {p for p in patterns for url, _ in candidates if _matches(p, url)}
        elif wanted is not None:
            order = {url: i for i, url in enumerate(wanted)}
            candidates = sorted((item for item in self.pages if item[0] in order),
                                key=lambda item: order[item[0]])
            missing = [url for url in wanted if url not in {u for u, _ in candidates}]
            for url in missing:
                yield SourceError(f"{self.where_file} ({url})", "listed in pages/pages.jsonl "
                                  "but no HTML response for it is in the archive; the page "
                                  "was not captured")
        if not candidates and not patterns and wanted is None and not self.errors:
            yield SourceError(self.where_file, "no HTML page (a text/html response with status "
                              "200) in this archive; nothing to import")
        for url, entry in candidates:
            identity = (url, entry.digest or entry.record_id)
            if identity in seen:
                continue  # a revisit or a second identical capture of the same page
            seen.add(identity)
            yield lambda url=url, entry=entry: self._capture(url, entry, strict=bool(patterns))
        for pattern in patterns:
            if pattern not in matched:
                yield SourceError(f"{self.where_file}", f"no record matches --url '{pattern}'; "
                                  "check the URL (wildcards: * and ?)")

    def _capture(self, url: str, entry: Entry, strict: bool):
        where = self._where(entry.member, entry.offset, url, entry.record_id)
        original = self._resolve_revisit(url, entry)
        if original is None:
            return SourceError(where, "a revisit record whose original is not in this archive; "
                               "import the archive that holds the original capture too")
        if _base_mime(entry.mime) not in HTML_TYPES and entry.kind != "revisit":
            if strict:
                return SourceError(where, f"not HTML ({_base_mime(entry.mime) or 'no type'}); "
                                   "give --url a page's URL, not an image's or a file's")
        if entry.status != 200:
            return SourceError(where, f"HTTP status {entry.status}, not a page (200); "
                               "give --url the URL of a page the crawler captured whole")
        try:
            data, _ = self._payload(original, MAX_PAGE_BYTES)
        except _TooLarge as too:
            return SourceError(where, too.message())
        except _archive_errors() as exc:
            return SourceError(where, f"the record cannot be read ({_describe(exc)}); the "
                               "archive is damaged here: repair or re-download it")
        software = self.software.get(entry.warcinfo) or self.first_software
        provenance = {
            "captured": warc_date(entry.date),
            "capture_id": entry.record_id,
            "capture_file": self.label + (f"#{entry.member}" if entry.member else ""),
            "capture_offset": entry.offset,
            "capture_digest": entry.digest or original.digest,
            "capture_software": software,
        }
        return Capture(html=data, url=url, base_url=url, where=where, content_type=entry.mime,
                       provenance={k: v for k, v in provenance.items() if v not in ("", None)},
                       lookup=lambda u, d=entry.date: self.fetch(u, d),
                       key=f"{url} {entry.record_id}")

    def _resolve_revisit(self, url: str, entry: Entry) -> Entry | None:
        if entry.kind != "revisit":
            return entry
        if entry.digest and entry.digest in self.by_digest:
            return self.by_digest[entry.digest]
        target, date = entry.refers_to
        for candidate in self.by_url.get(urldefrag(target or url)[0], []):
            if candidate.kind != "revisit" and (not date or candidate.date == date):
                return candidate
        return None

    def _payload(self, entry: Entry, limit: int) -> tuple[bytes, str]:
        """The record's payload (transfer and content encodings undone), at most `limit`."""
        from warcio.archiveiterator import ArchiveIterator

        with self._opener(entry.member) as stream:
            stream.seek(entry.offset)
            record = next(iter(ArchiveIterator(stream)))
            content = record.content_stream()
            data = content.read(limit + 1)
            if len(data) > limit:  # measure the rest without keeping it, to say how large
                size = len(data)
                while chunk := content.read(1 << 20):
                    size += len(chunk)
                raise _TooLarge(size)
        return data, entry.mime

    # -------------------------------------------------------- images
    def fetch(self, url: str, near: str = "") -> Fetched:
        """An image by URL, as the capture holds it: redirects and revisits followed inside
        the archive, the capture nearest the page's own date preferred."""
        if url.startswith("data:"):
            return data_uri(url)
        reason = "not captured with the page"
        for _ in range(5):  # redirects, at most five hops
            entries = self._entries(url)
            if not entries:
                return Fetched(None, reason=reason, url=url)
            entry = min(entries, key=lambda e: (e.status != 200, _distance(e.date, near)))
            if entry.status in (301, 302, 303, 307, 308) and entry.location:
                url = urljoin(url, entry.location)
                reason = "not captured with the page (only a redirect to it was)"
                continue
            if entry.status != 200:
                return Fetched(None, reason=f"the capture holds HTTP status {entry.status} "
                               "for it, not the image", url=url)
            original = self._resolve_revisit(url, entry)
            if original is None:
                return Fetched(None, reason="a revisit record whose original is not in this "
                               "archive", url=url)
            try:
                data, _ = self._payload(original, MAX_IMAGE_BYTES)
            except _TooLarge:
                return Fetched(None, reason=f"over {MAX_IMAGE_BYTES // MB} MB", url=url)
            except _archive_errors() as exc:
                return Fetched(None, reason=f"its record is damaged ({_describe(exc)})", url=url)
            return Fetched(data, content_type=_base_mime(entry.mime or original.mime), url=url)
        return Fetched(None, reason="a redirect loop in the capture", url=url)

    def _entries(self, url: str) -> list[Entry]:
        url = urldefrag(url)[0]
        found = self.by_url.get(url)
        if found:
            return found
        parts = urlsplit(url)  # the same resource over the other scheme
        other = {"http": "https", "https": "http"}.get(parts.scheme)
        if other:
            return self.by_url.get(parts._replace(scheme=other).geturl(), [])
        return []


def warc_date(value: str) -> str:
    """WARC-Date as ISO 8601 UTC with seconds, e.g. 2020-01-03T14:05:09Z ("" if unreadable)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        digits = re.sub(r"\D", "", value)  # a CDX timestamp: 20200103140509
        if len(digits) < 8:
            return ""
        try:
            when = datetime.strptime(digits[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
        except ValueError:
            return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _distance(date: str, near: str) -> float:
    a, b = warc_date(date), warc_date(near)
    if not a or not b:
        return 0.0
    return abs((datetime.fromisoformat(a[:-1]) - datetime.fromisoformat(b[:-1])).total_seconds())


def _warc_fields(data: bytes) -> dict[str, str]:
    fields = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields.setdefault(key.strip().lower(), value.strip())
    return fields


def _base_mime(value: str) -> str:
    return (value or "").split(";")[0].strip().lower()


def _matches(pattern: str, url: str) -> bool:
    return fnmatch.fnmatchcase(url, pattern) if any(c in pattern for c in "*?[") else url == pattern


def _describe(exc: Exception) -> str:
    """What went wrong, in a few printable words (never the archive's raw bytes)."""
    text = " ".join(str(exc).split())
    if "first line:" in text:
        text = text.split("first line:")[0].rstrip(" ,:")
    text = "".join(c for c in text if c.isprintable() and ord(c) < 0x7F)[:100]
    if "gzip" in text.lower() or "Error -3" in text or type(exc).__name__ == "error":
        return f"a broken gzip member: {text}" if text else "a broken gzip member"
    if text.startswith("Invalid WARC record") or text.startswith("Unknown archive format"):
        return f"a broken gzip member or a damaged record: {text}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _size_of(stream) -> int | None:
    try:
        return stream.seek(0, 2)
    except (OSError, ValueError, AttributeError):
        return None


def _cut_short(record) -> bool:
    """Read the record's block to its end; True if the file ends before Content-Length."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    return getattr(stream, "limit", 0) > 0


# ---------------------------------------------------------------- WACZ
def _wacz_captures(path: Path, patterns=()):
    """A WACZ: the WARCs inside, found through the package's own CDXJ index; the pages are
    those listed in pages/pages.jsonl (or --url)."""
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield SourceError(str(path), f"not a readable WACZ (zip) file ({exc}); re-download or "
                          "re-export it")
        return
    with package:
        names = set(package.namelist())
        archive = WarcArchive(path, opener=lambda member: _ZipMember(path, member), label=path.name)
        indexed = _read_cdxj(package, names, archive)
        if not indexed:  # no usable index: scan the WARCs themselves
            for member in sorted(n for n in names if n.startswith("archive/")
                                 and n.lower().endswith((".warc", ".warc.gz"))):
                archive.build_index(member)
        for member in sorted(n for n in names if n.startswith("archive/")):
            _read_warcinfo(package, member, archive)
        wanted = None
        if not patterns and "pages/pages.jsonl" in names:
            wanted = _listed_pages(package.read("pages/pages.jsonl"))
        yield from archive.captures(patterns, wanted=wanted)


class _ZipMember:
    """A member of a zip opened on its own file handle, so that readers in several processes
    never share a file position; closes the zip with the member."""

    def __init__(self, path: Path, member: str):
        self.zip = zipfile.ZipFile(path)
        try:
            self.stream = self.zip.open(member)
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        self.stream.close()
        self.zip.close()


def _read_cdxj(package, names, archive: WarcArchive) -> bool:
    """Fill the archive's index from indexes/*.cdx(j)[.gz]; False if there is none."""
    found = False
    for name in sorted(n for n in names if n.startswith("indexes/")
                       and n.lower().endswith((".cdx", ".cdxj", ".cdx.gz", ".cdxj.gz"))):
        raw = package.open(name)
        stream = gzip.open(raw) if name.lower().endswith(".gz") else raw
        with stream:
            for line in io.TextIOWrapper(stream, encoding="utf-8", errors="replace"):
                entry = _cdxj_entry(line)
                if entry is None:
                    continue
                url, data = entry
                member = "archive/" + str(data.get("filename", "")).lstrip("/")
                if member not in names:
                    continue
                found = True
                mime = str(data.get("mime", ""))
                kind = "revisit" if mime == "warc/revisit" else "response"
                try:
                    status = int(data.get("status") or (200 if kind == "response" else 0))
                except ValueError:
                    status = 0
                item = Entry(offset=int(data.get("offset", 0)), kind=kind, status=status,
                             mime="" if kind == "revisit" else mime,
                             digest=_digest(str(data.get("digest", ""))),
                             date=str(data.get("timestamp", "")), record_id="",
                             location=str(data.get("location", "") or ""),
                             refers_to=("", ""), member=member)
                archive.by_url.setdefault(urldefrag(url)[0], []).append(item)
                if kind != "revisit" and item.digest:
                    archive.by_digest.setdefault(item.digest, item)
                if status == 200 and _base_mime(mime) in HTML_TYPES:
                    archive.pages.append((url, item))
    archive.pages.sort(key=lambda p: (p[1].member, p[1].offset))
    if found:
        archive.pages[:] = [(u, _with_record_id(archive, e)) for u, e in archive.pages]
    return found


def _with_record_id(archive: WarcArchive, entry: Entry) -> Entry:
    """CDXJ lines carry no record ID: read it (and the real date) from the record's headers."""
    from dataclasses import replace
    from warcio.archiveiterator import ArchiveIterator

    try:
        with archive._opener(entry.member) as stream:
            stream.seek(entry.offset)
            record = next(iter(ArchiveIterator(stream)))
            headers = record.rec_headers
            return replace(entry, record_id=(headers.get_header("WARC-Record-ID") or "").strip("<> "),
                           date=headers.get_header("WARC-Date") or entry.date,
                           warcinfo=(headers.get_header("WARC-Warcinfo-ID") or "").strip("<> "))
    except _archive_errors():
        return entry


def _read_warcinfo(package, member: str, archive: WarcArchive):
    """The software that wrote each WARC, from its first warcinfo record."""
    from warcio.archiveiterator import ArchiveIterator

    try:
        with package.open(member) as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "warcinfo":
                    software = _warc_fields(record.content_stream().read(65536)).get("software", "")
                    archive.software[(record.rec_headers.get_header("WARC-Record-ID") or "").strip("<> ")] = software
                    archive.first_software = archive.first_software or software
                break
    except _archive_errors():
        pass


def _cdxj_entry(line: str):
    """`surt timestamp {json}` → (url, fields); None for a header or a broken line."""
    parts = line.strip().split(" ", 2)
    if len(parts) < 3 or not parts[2].startswith("{"):
        return None
    try:
        data = json.loads(parts[2])
    except json.JSONDecodeError:
        return None
    data.setdefault("timestamp", parts[1])
    url = str(data.get("url", ""))
    return (url, data) if url else None


def _digest(value: str) -> str:
    if value and ":" not in value:
        return f"sha1:{value}"  # CDX digests often drop the algorithm prefix
    return value


def _listed_pages(data: bytes) -> list[str]:
    urls = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and item.get("url") and "format" not in item:
            urls.append(str(item["url"]))
    return urls


def local_path_hint(url: str) -> str:
    """A saved page's image path as the page names it (for a message), else the URL."""
    parts = urlsplit(url)
    return PurePosixPath(unquote(parts.path)).name if parts.scheme == "file" else url
