"""Listening editions: the EPUB with synchronized narration (Media Overlays) and the audiobook.

`speech` turns the EPUB's XHTML into spoken units (the reading order of `renderer read`, cut
into sentences with ids), `voice` speaks each with espeak-ng, `audio` encodes the track (MP3
for the EPUB, AAC in M4B with chapters), `smil` writes the overlay. `Narrator` ties them
together for one article: `render_epub(…, narration=narrator)` calls it with the XHTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RenderError
from .audio import Chapter, encode_m4b, encode_mp3, milliseconds, silence
from .smil import overlay_metadata, smil_document
from .speech import Unit, spoken_units
from .voice import ENGINE, engine_version, synthesize, voice_for

OVERLAY_ID = "article-overlay"
AUDIO_NAME = "audio/article.mp3"
PAUSE_MS = 150          # after every sentence, beyond espeak-ng's own silence
HEADING_PAUSE_MS = 450  # after a heading: a section begins


@dataclass(frozen=True)
class Overlay:
    """What the EPUB writer adds for one content document: the XHTML with sentence ids, the
    files (uid, name, media type, bytes), the package metadata and the overlay's item id."""
    xhtml: str
    items: list
    metadata: list
    overlay_id: str = OVERLAY_ID


@dataclass
class Narrator:
    """One article's narration, in the voice of its language; raises RenderError at once if
    espeak-ng has no voice for it, before anything is rendered."""
    language: str
    cache: Path | None = None
    where: str = ""
    voice: str = field(init=False)
    units: list[Unit] = field(init=False, default_factory=list)
    clips: list[tuple[int, int]] = field(init=False, default_factory=list)
    track: bytes = field(init=False, default=b"")

    def __post_init__(self):
        voice = voice_for(self.language)
        if voice is None:
            raise RenderError(self.where or self.language, None,
                              f"espeak-ng has no voice for the language {self.language!r}, so "
                              "no listening edition can be made; leave out narrated-epub and "
                              "audiobook for this article (`espeak-ng --voices` lists them)")
        self.voice = voice

    @property
    def duration_ms(self) -> int:
        """The length of the spoken track: where its last clip ends."""
        return self.clips[-1][1] if self.clips else 0

    @property
    def seconds(self) -> int:
        """The length of the spoken track, in whole seconds (rounded up)."""
        return -(-self.duration_ms // 1000)

    @property
    def narrator(self) -> str:
        """Who reads, as the package's media:narrator says it: engine, version, voice."""
        return f"{ENGINE} {engine_version()} ({self.voice})"

    def speak(self, xhtml: str) -> str:
        """Synthesize every unit of `xhtml`; return the XHTML with its sentence ids."""
        marked, self.units = spoken_units(xhtml, self.language)
        pieces, samples = [], 0
        self.clips = []
        for unit in self.units:
            pcm = synthesize(unit.speech, self.voice, self.cache)
            pcm += silence(HEADING_PAUSE_MS if unit.heading else PAUSE_MS)
            pieces.append(pcm)
            # From the sample count so far, not by adding rounded durations: a millisecond
            # lost per sentence put a 23-minute report's last clips 0.25 s early.
            begin, samples = samples, samples + len(pcm) // 2
            self.clips.append((milliseconds(begin), milliseconds(samples)))
        self.track = b"".join(pieces)
        return marked

    def __call__(self, xhtml: str, text_href: str) -> Overlay:
        marked = self.speak(xhtml)
        smil_name = Path(text_href).with_suffix(".smil").name
        items = [(OVERLAY_ID, smil_name, "application/smil+xml",
                  smil_document(self.units, self.clips, text_href, AUDIO_NAME)),
                 ("article-audio", AUDIO_NAME, "audio/mpeg", encode_mp3(self.track))]
        return Overlay(marked, items, overlay_metadata(OVERLAY_ID, self.duration_ms, self.narrator))

    def audiobook(self, title: str, author: str, publisher: str, date: str) -> bytes:
        """The track as an M4B, a chapter from each heading (the title's first)."""
        starts = [(begin, unit.chapter) for unit, (begin, _) in zip(self.units, self.clips)
                  if unit.chapter]
        if not starts or starts[0][0] != 0:
            starts.insert(0, (0, title))
        ends = [begin for begin, _ in starts[1:]] + [self.duration_ms]
        chapters = [Chapter(begin, end, name) for (begin, name), end in zip(starts, ends)]
        tags = {"title": title, "artist": author or publisher, "album": title,
                "genre": "Audiobook", "date": date, "comment": self.narrator}
        return encode_m4b(self.track, chapters, tags)
