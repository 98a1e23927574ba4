"""The listening editions: the narrated EPUB (Media Overlays) and the audiobook.

One collection is built once for the session (the default article and the whole test corpus:
tests/corpus/good and one article per language in tests/corpus/languages) with --format
epub,narrated-epub,audiobook, and packaged. The
overlays are read back from the books with lxml, the audio is measured by ffprobe and sox
(not by the code that made it), the text order is compared with `renderer read`, and
EPUBCheck judges the books."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import wave
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from renderer.check import epub_findings, run_epubcheck
from renderer.narration.speech import sentence_starts, speakable, spelled
from renderer.l10n import localizer
from renderer.reader import read_article

from conftest import (CORPUS, FRONT, SEED_ARTICLE, assert_refused, epub_with, make_article,
                      run_cli, run_epubchecks)

pytestmark = pytest.mark.skipif(not all(shutil.which(p) for p in ("espeak-ng", "lame", "ffmpeg",
                                                                   "ffprobe", "sox")),
                                reason="needs `tools/system-deps.sh narration`")

ARTICLES = {"dod-quds-force-commander": SEED_ARTICLE,
            **{p.name: p for p in sorted((CORPUS / "good").iterdir()) if p.is_dir()},
            **{p.name: p for p in sorted((CORPUS / "languages").iterdir()) if p.is_dir()}}
NS = {"s": "http://www.w3.org/ns/SMIL", "x": "http://www.w3.org/1999/xhtml",
      "opf": "http://www.idpf.org/2007/opf"}
MP3_SLACK = 0.15  # s: an MP3 decodes to whole frames (26 ms at 22.05 kHz) plus encoder padding


@pytest.fixture(scope="session")
def listening(tmp_path_factory) -> Path:
    """The three articles built as a collection with the listening editions, then packaged."""
    root = tmp_path_factory.mktemp("listening")
    content = root / "content"
    for slug, folder in ARTICLES.items():
        shutil.copytree(folder, content / slug)
    out = root / "dist"
    run_cli("build", content, "--out", out, "--format", "epub,narrated-epub,audiobook", "-j", "2")
    run_cli("package", out)
    return out


def book(out: Path, slug: str) -> Path:
    return out / slug / f"{slug}.narrated.epub"


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zipped:
        return zipped.read(name)


def opf(path: Path):
    return etree.fromstring(member(path, "EPUB/content.opf"))


def clock(value: str) -> float:
    """A SMIL clock value ('0:01:02.345', '62.345s') in seconds."""
    if value.endswith("s") and ":" not in value:
        return float(value[:-1])
    seconds = 0.0
    for part in value.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def overlay(path: Path) -> list[dict]:
    """Each <par> of the book's overlays, in order: text id, audio name, begin, end."""
    package = opf(path)
    items = {i.get("id"): i for i in package.iter("{*}item")}
    pars = []
    for item in items.values():
        if item.get("media-overlay"):
            smil = items[item.get("media-overlay")].get("href")
            root = etree.fromstring(member(path, f"EPUB/{smil}"))
            for par in root.iter(f"{{{NS['s']}}}par"):
                text, audio = par.find("s:text", NS), par.find("s:audio", NS)
                document, _, fragment = text.get("src").partition("#")
                assert document == item.get("href")
                pars.append(dict(document=document, id=fragment, audio=audio.get("src"),
                                 begin=clock(audio.get("clipBegin")),
                                 end=clock(audio.get("clipEnd"))))
    return pars


def decoded_seconds(data: bytes, suffix: str, tmp_path: Path) -> float:
    """The duration of audio as ffmpeg decodes it (samples counted, not a header read)."""
    source = tmp_path / f"audio{suffix}"
    source.write_bytes(data)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(source), "-f", "s16le", "-ac", "1",
                          "-ar", "22050", "-"], capture_output=True, check=True).stdout
    return len(raw) / 2 / 22050


def spoken_texts(path: Path) -> list[str]:
    """The text of each par's target element, read from the XHTML: a span's text, an image's
    alt (the quotation marks a reader adds around <q> aside)."""
    texts = []
    documents = {}
    for par in overlay(path):
        if par["document"] not in documents:
            documents[par["document"]] = etree.fromstring(member(path, f"EPUB/{par['document']}"))
        found = documents[par["document"]].xpath("//*[@id=$id]", id=par["id"])
        assert len(found) == 1, par["id"]
        element = found[0]
        texts.append(element.get("alt") if element.tag.endswith("img") else text_of(element))
    return [" ".join(t.split()) for t in texts]


def text_of(element) -> str:
    """An element's text with a line break read as a space, as a screen reader reads it."""
    copy = etree.fromstring(etree.tostring(element))
    for br in copy.iter(f"{{{NS['x']}}}br"):
        br.tail = " " + (br.tail or "")
    return "".join(copy.itertext())


def unspaced(text: str) -> str:
    """The text without white space and without the quotation marks a reader adds to <q>."""
    return re.sub(r"\s+", "", text.replace("“", "").replace("”", ""))


# ---------------------------------------------------------------- validity
def test_narrated_books_pass_epubcheck(listening):
    books = [book(listening, slug) for slug in ARTICLES]
    for path, report in zip(books, run_epubchecks(books)):
        assert report["checker"]["nFatal"] == 0, path
        assert report["checker"]["nError"] == 0, path
        assert report["checker"]["nWarning"] == 0, path
        assert epub_findings(report) == [], path


def test_epubcheck_fails_an_overlay_pointing_at_no_sentence(listening, tmp_path):
    """The check is real: a <par> whose text names a missing id is an error."""
    path = book(listening, "ar")
    smil = member(path, "EPUB/article.smil").replace(b'#s1"', b'#no-such-sentence"', 1)
    broken = epub_with(path, tmp_path / "broken.epub", {"EPUB/article.smil": smil})
    assert run_epubcheck(broken)["checker"]["nError"] > 0


def test_package_says_how_long_and_how_it_can_be_read(listening):
    path = book(listening, "everything")
    package = opf(path)
    metas = [(m.get("property"), m.get("refines"), m.text) for m in package.iter("{*}meta")]
    assert ("schema:accessMode", None, "auditory") in metas
    assert ("schema:accessModeSufficient", None, "auditory") in metas
    assert ("schema:accessModeSufficient", None, "textual") in metas
    assert ("schema:accessibilityFeature", None, "synchronizedAudioText") in metas
    assert ("media:active-class", None, "-epub-media-overlay-active") in metas
    # the summary a library app shows says the book reads aloud; the plain EPUB's does not
    summaries = [text for prop, _, text in metas if prop == "schema:accessibilitySummary"]
    plain = [m.text for m in opf(listening / "everything" / "everything.epub").iter("{*}meta")
             if m.get("property") == "schema:accessibilitySummary"]
    assert len(summaries) == len(plain) == 1
    assert "read aloud by a synthetic voice" in summaries[0]
    assert "read aloud" not in plain[0]
    overlays = [i for i in package.iter("{*}item") if i.get("media-overlay")]
    assert [i.get("href") for i in overlays] == ["article.xhtml"]
    # the highlight is styled in the narrated book only (a plain book styling a class it never
    # declares draws EPUBCheck's CSS-029)
    css = [i.get("href") for i in package.iter("{*}item") if i.get("media-type") == "text/css"]
    plain_css = b"".join(member(listening / "everything" / "everything.epub", f"EPUB/{h}")
                         for h in css)
    assert b".-epub-media-overlay-active" in b"".join(member(path, f"EPUB/{h}") for h in css)
    assert b"media-overlay-active" not in plain_css
    durations = {refines: clock(text) for prop, refines, text in metas if prop == "media:duration"}
    assert set(durations) == {None, "#" + overlays[0].get("media-overlay")}
    assert durations[None] == pytest.approx(sum(v for k, v in durations.items() if k), abs=0.001)


# ---------------------------------------------------------------- the clips
@pytest.mark.parametrize("slug", ARTICLES)
def test_clips_are_inside_their_audio_in_order_without_overlap(listening, slug, tmp_path):
    path = book(listening, slug)
    pars = overlay(path)
    assert len(pars) > 5
    lengths = {name: decoded_seconds(member(path, f"EPUB/{name}"), Path(name).suffix, tmp_path)
               for name in {p["audio"] for p in pars}}
    previous_end = 0.0
    for par in pars:
        assert 0 <= previous_end <= par["begin"] < par["end"] <= lengths[par["audio"]], par
        previous_end = par["end"]


@pytest.mark.parametrize("slug", ARTICLES)
def test_the_clips_cover_the_text_in_the_order_of_renderer_read(listening, slug):
    path = book(listening, slug)
    read = run_cli("read", path).stdout.splitlines()
    items = [re.match(r"\[([^\]]+)\] ?(.*)", line).groups() for line in read]
    expected = " ".join(text for role, text in items
                        if role not in ("landmark", "label", "skip link") and text)
    texts = spoken_texts(path)
    assert all(texts)
    # White space aside: a sentence of Chinese or Japanese ends without a space after it.
    assert unspaced(" ".join(texts)) == unspaced(expected)
    assert len({p["id"] for p in overlay(path)}) == len(texts)  # no text spoken twice


WITH_FIGURES = [slug for slug, folder in ARTICLES.items()
                if any(f.alt for f in read_article(folder / "article.md").figures)]


@pytest.mark.parametrize("slug", WITH_FIGURES)
def test_each_alt_text_is_spoken_once_right_before_its_caption(listening, slug):
    doc = read_article(ARTICLES[slug] / "article.md")
    texts = spoken_texts(book(listening, slug))
    figures = [f for f in doc.figures if f.alt and not f.decorative]
    for figure in figures:
        alt = " ".join(figure.alt.split())
        runs = [(start, end) for start in range(len(texts)) for end in range(start + 1, len(texts) + 1)
                if " ".join(texts[start:end]) == alt]
        assert len(runs) == 1, (alt, runs)
        first_of_caption = figure.title or figure.caption or figure.credit or figure.identifier
        if first_of_caption:
            assert texts[runs[0][1]] == " ".join(first_of_caption.split())


@pytest.mark.parametrize("slug", ARTICLES)
def test_decoded_durations_agree_with_media_duration(listening, slug, tmp_path):
    path = book(listening, slug)
    package = opf(path)
    total = [clock(m.text) for m in package.iter("{*}meta")
             if m.get("property") == "media:duration" and not m.get("refines")][0]
    pars = overlay(path)
    assert pars[-1]["end"] == pytest.approx(total, abs=0.001)
    (name,) = {p["audio"] for p in pars}
    data = member(path, f"EPUB/{name}")
    assert 0 <= decoded_seconds(data, ".mp3", tmp_path) - total < MP3_SLACK
    (tmp_path / "track.mp3").write_bytes(data)
    # sox decodes it too (soxi -D only estimates an MP3's length from its bit rate).
    stat = subprocess.run(["sox", str(tmp_path / "track.mp3"), "-n", "stat"], capture_output=True,
                          text=True, check=True).stderr
    by_sox = float(re.search(r"Length \(seconds\):\s+([\d.]+)", stat).group(1))
    assert abs(by_sox - total) < MP3_SLACK
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
         str(listening / slug / f"{slug}.m4b")], capture_output=True, text=True, check=True).stdout)
    assert abs(float(probe["format"]["duration"]) - total) < 0.1  # the audiobook: the same track


def test_the_hash_is_summarized_not_read_digit_by_digit(listening, tmp_path):
    """The colophon's last sentence ("Source SHA-256: 43d6…") lasts less than half of what
    the same voice takes to read its 64 hex digits one by one."""
    pars = overlay(book(listening, "dod-quds-force-commander"))
    texts = spoken_texts(book(listening, "dod-quds-force-commander"))
    hashed = [(p, t) for p, t in zip(pars, texts) if re.search(r"[0-9a-f]{64}", t)]
    assert len(hashed) == 1
    (par, text), = hashed
    digits = " ".join(re.search(r"[0-9a-f]{64}", text).group(0))
    by_digit = len(_espeak("en-us", digits, tmp_path)) / 2 / 22050
    assert by_digit > 10
    assert par["end"] - par["begin"] < by_digit / 2


# ---------------------------------------------------------------- the voice
def _espeak(voice: str, text: str, folder: Path) -> bytes:
    out = folder / f"{voice}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-b", "1", "-w", str(out)], input=text.encode(),
                   check=True)
    with wave.open(str(out)) as audio:
        return audio.readframes(audio.getnframes())


_CACHED: dict = {}


def _cached_samples(out: Path) -> set[bytes]:
    """Every sentence's samples in the build's cache (read once per session)."""
    if out in _CACHED:
        return _CACHED[out]
    found = _CACHED[out] = set()
    for path in (out / ".cache" / "narration").rglob("*.wav"):
        with wave.open(str(path)) as audio:
            found.add(audio.readframes(audio.getnframes()))
    return found


# espeak-ng's voice for each language of the corpus, written out here (not taken from the code).
VOICES = {"ar": "ar", "de": "de", "en": "en", "en-GB": "en-gb", "en-US": "en-us", "es": "es",
          "fa": "fa", "fr": "fr", "he": "he", "hi": "hi", "ja": "ja", "pt-BR": "pt-br", "ru": "ru",
          "th": "th", "uk": "uk", "zh-Hans": "cmn", "zh-Hant": "cmn"}


@pytest.mark.parametrize("slug", ARTICLES)
def test_each_article_is_spoken_by_the_voice_of_its_language(listening, slug, tmp_path):
    """The title, said here by espeak-ng in the language's voice, is among the sentences the
    build spoke (the cache holds each); said by the English voice, it is not (an Arabic
    article read by an English voice would be)."""
    meta = read_article(ARTICLES[slug] / "article.md").metadata
    voice = VOICES[meta.language]
    spoken = _cached_samples(listening)
    assert _espeak(voice, meta.title, tmp_path) in spoken
    if not voice.startswith("en"):
        assert _espeak("en", meta.title, tmp_path) not in spoken
    narrator = [m.text for m in opf(book(listening, slug)).iter("{*}meta")
                if m.get("property") == "media:narrator"]
    assert narrator == [f"espeak-ng 1.51 ({voice})"]


def test_a_language_without_a_voice_is_refused_in_one_line(tmp_path):
    article = make_article(tmp_path / "klingon", FRONT.replace("language: en", "language: tlh")
                           + "nuqneH.\n", images=())
    result = run_cli("render", article, "--out", tmp_path / "out", "--format", "audiobook",
                     check=False)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 2  # the line, then "1 of 1 … failed"
    assert "no voice for the language 'tlh'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").rglob("*.m4b"))


def test_an_unknown_format_lists_the_known_ones(tmp_path):
    result = run_cli("render", SEED_ARTICLE, "--out", tmp_path, "--format", "mp3", check=False)
    assert result.returncode == 2
    assert "narrated-epub" in result.stderr and "audiobook" in result.stderr


# ---------------------------------------------------------------- words for the ear
@pytest.mark.parametrize("written, said", [
    ("VIRIN: 200103-M-ZX256-1032Y", "VIRIN: 2 0 0 1 0 3, M, Z X 2 5 6, 1 0 3 2 Y"),
    ("Source SHA-256: 43d6025e03effc3ab767e6c4ac5c8e94728bd4c7c736106a84877ab44f517d74",
     "Source SHA-256: SHA-256 checksum, see text"),
    ("Payload digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", "Payload digest: SHA-1 checksum, see text"),
    ("Identifier: urn:uuid:5154590b-d25b-5c0f-a0e5-38c2b3c7d8aa", "Identifier: UUID, see text"),
    ("Source: https://www.defense.gov/News/Releases/Release/Article/2049227/x/.",
     "Source: web address on defense.gov, see text."),
    ("Iranian Gen. Qassem Soleimani, Jan. 3, 2020", "Iranian General Qassem Soleimani, January 3, 2020"),
    ("Marine Corps Sgt. Kyle Talbot", "Marine Corps Sergeant Kyle Talbot"),
    ("31 rockets in 2019", "31 rockets in 2019"),  # numbers: the voice reads them in its language
])
def test_identifiers_hashes_addresses_and_abbreviations_are_said_for_the_ear(written, said):
    assert speakable(written, localizer("en")) == said


def test_a_hash_in_another_language_is_summarized_in_it():
    said = speakable("43d6025e03effc3ab767e6c4ac5c8e94728bd4c7c736106a84877ab44f517d74",
                     localizer("fr"))
    assert "SHA-256" in said and "43d6" not in said and said != "SHA-256 checksum, see text"


def test_sentences_end_at_full_stops_not_at_initials_or_abbreviations():
    text = ("President Donald J. Trump directed it. Gen. Qassem Soleimani was killed near the "
            "U.S. Embassy on Jan. 3, 2020. Was it? Yes! 这是一句。这是另一句。")
    starts = sentence_starts(text)
    pieces = [text[a:b].strip() for a, b in zip([0] + starts, starts + [len(text)])]
    assert pieces == ["President Donald J. Trump directed it.",
                      "Gen. Qassem Soleimani was killed near the U.S. Embassy on Jan. 3, 2020.",
                      "Was it?", "Yes!", "这是一句。", "这是另一句。"]
    assert spelled("AR-2022-0001") == "A R, 2 0 2 2, 0 0 0 1"


# ---------------------------------------------------------------- the audiobook
@pytest.mark.parametrize("slug", ARTICLES)
def test_the_audiobook_has_a_chapter_at_each_heading(listening, slug):
    path = listening / slug / f"{slug}.m4b"
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-show_format",
                                       "-of", "json", str(path)],
                                      capture_output=True, text=True, check=True).stdout)
    page = etree.fromstring(member(book(listening, slug), "EPUB/article.xhtml"))
    headings = [" ".join("".join(h.itertext()).split()) for h in page.iter()
                if isinstance(h.tag, str) and re.fullmatch(r"\{[^}]+\}h[1-6]", h.tag)]
    chapters = probe["chapters"]
    assert [c["tags"]["title"] for c in chapters] == headings
    starts = [float(c["start_time"]) for c in chapters]
    assert starts[0] == 0 and starts == sorted(starts) and len(set(starts)) == len(starts)
    assert float(chapters[-1]["end_time"]) <= float(probe["format"]["duration"]) + 0.1
    assert probe["format"]["tags"]["title"] == read_article(ARTICLES[slug] / "article.md").metadata.title
    assert "creation_time" not in probe["format"]["tags"]


def test_the_playlist_lists_each_audiobook(listening):
    lines = (listening / "audiobooks.m3u8").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    paths = [line for line in lines[1:] if not line.startswith("#")]
    assert sorted(paths) == sorted(f"{slug}/{slug}.m4b" for slug in ARTICLES)
    for info, path in zip(lines[1::2], lines[2::2]):
        seconds = int(re.match(r"#EXTINF:(-?\d+),", info).group(1))
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                "-of", "csv=p=0", str(listening / path)],
                               capture_output=True, text=True, check=True).stdout
        assert abs(seconds - float(probe)) <= 1


def test_catalog_and_feed_offer_the_listening_editions(listening):
    feed = etree.parse(str(listening / "opds.xml"))
    atom = {"a": "http://www.w3.org/2005/Atom"}
    for slug in ARTICLES:
        entry_links = feed.xpath(f"//a:entry[a:link[contains(@href, '{slug}/')]]/a:link", namespaces=atom)
        by_href = {link.get("href"): link for link in entry_links}
        narrated = by_href[f"{slug}/{slug}.narrated.epub"]
        assert narrated.get("type") == "application/epub+zip"
        assert narrated.get("rel") == "http://opds-spec.org/acquisition"
        assert narrated.get("title") == "EPUB with narration"
        assert int(narrated.get("length")) == book(listening, slug).stat().st_size
        # the narrated link carries the narrated book's own accessibility metadata, as its OPF
        # declares it (read here from the file, not from the feed's writer)
        declared = {(m.get("property"), m.text) for m in opf(book(listening, slug)).iter("{*}meta")
                    if m.get("property", "").startswith("schema:") and not m.get("refines")}
        in_feed = {(etree.QName(e).localname, e.text) for e in narrated
                   if etree.QName(e).namespace == "http://schema.org/"}
        assert {(f"schema:{name}", text) for name, text in in_feed} == declared
        assert ("accessibilityFeature", "synchronizedAudioText") in in_feed
        assert ("accessMode", "auditory") in in_feed
        audiobook = by_href[f"{slug}/{slug}.m4b"]
        assert audiobook.get("type") == "audio/mp4"
        assert audiobook.get("title") == "Audiobook"
    page = etree.parse(str(listening / "index.html"), etree.HTMLParser())
    hrefs = page.xpath("//a/@href")
    assert all(f"{slug}/{slug}.narrated.epub" in hrefs and f"{slug}/{slug}.m4b" in hrefs
               for slug in ARTICLES)
    bagged = (listening / "bag" / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert "audiobooks.m3u8" in bagged and ".narrated.epub" in bagged
    info = (listening / "bag" / "bag-info.txt").read_text(encoding="utf-8")
    assert "data/SLUG/SLUG.narrated.epub: each article as EPUB 3 read aloud" in info
    assert "data/SLUG/SLUG.m4b: each article as an audiobook (M4B)" in info
    assert "data/audiobooks.m3u8: a playlist (M3U8) of the audiobooks" in info


def test_an_article_folder_cannot_take_the_playlist_name(tmp_path):
    article = make_article(tmp_path / "content" / "audiobooks.m3u8", FRONT + "Text.\n", images=())
    assert_refused(article, tmp_path / "out", None, "folder name 'audiobooks.m3u8'",
                   "rename the article folder")


def test_the_catalog_names_the_editions_in_its_language(listening, tmp_path):
    shutil.copytree(listening, tmp_path / "dist", ignore=shutil.ignore_patterns("bag", ".cache"))
    run_cli("package", tmp_path / "dist", "--language", "fr")
    titles = set(etree.parse(str(tmp_path / "dist" / "opds.xml")).xpath("//@title"))
    assert "EPUB with narration" not in titles and "Audiobook" not in titles
    assert titles & {localizer("fr").gettext("EPUB with narration")}


# ---------------------------------------------------------------- same bytes, incremental
def test_same_source_same_bytes_and_only_changed_sentences_are_spoken_again(listening, tmp_path):
    """The Arabic article built again into an empty folder (no cache): the same bytes. Then
    one sentence edited: one sentence is synthesized again, the rest come from the cache."""
    article = tmp_path / "content" / "ar"
    shutil.copytree(ARTICLES["ar"], article)
    out = tmp_path / "dist"
    run_cli("render", article, "--out", out, "--format", "narrated-epub,audiobook")
    for name in ("ar.narrated.epub", "ar.m4b"):
        assert (out / "ar" / name).read_bytes() == (listening / "ar" / name).read_bytes(), name
    cache = out / ".cache" / "narration"
    before = {p.name for p in cache.rglob("*.wav")}
    source = article / "article.md"
    text = source.read_text(encoding="utf-8")
    edited = text.replace("مصابيح للعمل ليلا", "مصابيح للعمل في الليل")
    assert edited != text
    source.write_text(edited, encoding="utf-8")
    run_cli("render", article, "--out", out, "--format", "narrated-epub")
    after = {p.name for p in cache.rglob("*.wav")}
    assert before < after and len(after - before) == 1


# ---------------------------------------------------------------- listening
def test_the_default_article_is_speech_not_silence(listening, tmp_path):
    """A minute of the default article, decoded to WAV: sox finds a minute of sound at a
    speaking level (RMS well above silence, no clipping)."""
    path = book(listening, "dod-quds-force-commander")
    (tmp_path / "track.mp3").write_bytes(member(path, "EPUB/audio/article.mp3"))
    wav = tmp_path / "clip.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "track.mp3"), "-ss", "20",
                    "-t", "60", str(wav)], check=True)
    stat = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True,
                          check=True).stderr
    values = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in stat.splitlines())}
    assert float(values["Length (seconds)"]) == pytest.approx(60, abs=0.1)
    assert 0.03 < float(values["RMS     amplitude"]) < 0.5
    assert float(values["Maximum amplitude"]) < 1.0


def test_sentences_get_ids_without_breaking_links_and_cells_are_said_with_their_header():
    """A sentence end inside a link does not split it; a heading of two sentences is one
    chapter; a data cell is said after its column's header."""
    from renderer.narration.speech import spoken_units

    page = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
            '<h2 id="a">Dr. Who arrives. Part <em>two</em> begins.</h2>'
            '<p>One. Two <a href="x">link. here</a> Three.</p>'
            '<table><thead><tr><th>Month</th><th>Rockets</th></tr></thead>'
            '<tbody><tr><td>May</td><td>31</td></tr></tbody></table></body></html>')
    marked, units = spoken_units(page, "en")
    root = etree.fromstring(marked.encode())
    spans = {e.get("id"): "".join(e.itertext()) for e in root.iter(f"{{{NS['x']}}}span")}
    assert [u.id for u in units] == list(spans)
    assert list(spans.values()) == ["Dr. Who arrives.", "Part two begins.", "One.",
                                    "Two link. here Three.", "Month", "Rockets", "May", "31"]
    assert root.find(".//x:a", NS).getparent().tag == f"{{{NS['x']}}}span"
    assert [u.chapter for u in units if u.chapter] == ["Dr. Who arrives. Part two begins."]
    assert [u.speech for u in units][-2:] == ["Month: May", "Rockets: 31"]
    assert units[0].speech == "Doctor Who arrives."
