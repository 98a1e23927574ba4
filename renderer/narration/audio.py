"""Encoding: the spoken track as MP3 for the EPUB, as AAC in an M4B with chapters for players.

Both encoders get fixed settings and write no time or encoder-version tag that changes from run
to run, so the same samples give the same bytes: LAME (Debian `lame`) at a constant 32 kbit/s
mono (speech from espeak-ng has little above 5 kHz), ffmpeg's native AAC (its fast coder: a third
of the time of the default for the same size) at 48 kbit/s with
`-fflags +bitexact` and metadata only from our own ffmetadata file.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .voice import SAMPLE_RATE, run_tool

MP3_KBPS = 32
AAC_KBPS = 48


@dataclass(frozen=True)
class Chapter:
    start_ms: int
    end_ms: int
    title: str


def milliseconds(samples: int) -> int:
    """The time of a sample of the track, to the millisecond (rounded down)."""
    return samples * 1000 // SAMPLE_RATE


def silence(ms: int) -> bytes:
    return b"\0\0" * (SAMPLE_RATE * ms // 1000)


def encode_mp3(pcm: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="narration-") as folder:
        raw, out = Path(folder) / "track.raw", Path(folder) / "track.mp3"
        raw.write_bytes(pcm)
        run_tool("lame", ["-r", "-s", f"{SAMPLE_RATE / 1000:g}", "--bitwidth", "16", "--signed",
                          "--little-endian", "-m", "m", "--cbr", "-b", str(MP3_KBPS), "-q", "5",
                          "--quiet", str(raw), str(out)], timeout=600)
        return out.read_bytes()


def encode_m4b(pcm: bytes, chapters: list[Chapter], tags: dict[str, str]) -> bytes:
    """An audiobook: AAC in MP4 (`.m4b`), one chapter per heading, `tags` (title, artist…)."""
    with tempfile.TemporaryDirectory(prefix="narration-") as folder:
        raw, meta, out = (Path(folder) / n for n in ("track.raw", "chapters.txt", "book.m4b"))
        raw.write_bytes(pcm)
        meta.write_text(ffmetadata(chapters, tags), encoding="utf-8")
        run_tool("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-f", "s16le",
                            "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", str(raw),
                            "-f", "ffmetadata", "-i", str(meta), "-map", "0:a",
                            "-map_metadata", "1", "-map_chapters", "1",
                            "-c:a", "aac", "-aac_coder", "fast", "-b:a", f"{AAC_KBPS}k",
                            "-fflags", "+bitexact", "-flags:a", "+bitexact",
                            "-movflags", "+faststart", "-f", "ipod", str(out)],
                 timeout=600)
        return out.read_bytes()


def ffmetadata(chapters: list[Chapter], tags: dict[str, str]) -> str:
    """ffmpeg's metadata file: the tags, then each chapter in milliseconds."""
    lines = [";FFMETADATA1"] + [f"{k}={_escaped(v)}" for k, v in tags.items() if v]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}",
                  f"END={chapter.end_ms}", f"title={_escaped(chapter.title)}"]
    return "\n".join(lines) + "\n"


def _escaped(value: str) -> str:
    """ffmetadata's escaping: '=', ';', '#', '\\' and line breaks get a backslash."""
    value = " ".join(value.split())
    return "".join("\\" + c if c in "=;#\\" else c for c in value)
