"""The voice: espeak-ng, run once per sentence, its audio kept by what it said.

espeak-ng (Debian) speaks some 100 languages from rules and small dictionaries installed with
it: nothing is downloaded, at install or at run time, and the same text gives the same samples.
Each sentence is synthesized on its own so its duration is measured from the audio itself
(sample counts), not estimated; the audio is cached by engine, version, voice and text, so a
re-build speaks only the sentences that changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

from ..errors import RenderError

ENGINE = "espeak-ng"
SAMPLE_RATE = 22050  # espeak-ng's own rate: nothing is resampled
# Languages espeak-ng names otherwise (its Mandarin is "cmn"; Norwegian Bokmål is "nb").
_ALIASES = {"zh": "cmn", "no": "nb"}


def run_tool(program: str, arguments: list[str], text: str | None = None,
             timeout: int = 120) -> subprocess.CompletedProcess:
    """Run one of the narration's Debian programs (espeak-ng, lame, ffmpeg); a missing or
    failing one is one line naming it and how to install it."""
    if shutil.which(program) is None:
        raise RenderError(program, None, f"not found; install {program} "
                          "(`tools/system-deps.sh narration`, README 'Listening editions')")
    done = subprocess.run([program, *arguments], input=text.encode() if text is not None else None,
                          capture_output=True, timeout=timeout)
    if done.returncode:
        message = " ".join(done.stderr.decode(errors="replace").split())[-300:]
        raise RenderError(program, None, f"failed ({message}); check that the Debian package "
                          f"{program} is installed and whole")
    return done


@lru_cache(maxsize=None)
def engine_version() -> str:
    """'1.51': part of every cache key and of the book's narrator."""
    words = run_tool(ENGINE, ["--version"]).stdout.decode().split()
    return next((w for w in words if w[:1].isdigit()), "unknown")


@lru_cache(maxsize=None)
def installed_voices() -> frozenset[str]:
    """The names espeak-ng takes for `-v`, lower case: each voice's language ('en-us', 'ar',
    'pt-br'…) and its file's name ('en' for gmw/en, British English)."""
    names = set()
    for line in run_tool(ENGINE, ["--voices"]).stdout.decode().splitlines()[1:]:
        columns = line.split()
        if len(columns) > 4 and not columns[4].startswith("mb/"):  # MBROLA: a separate download
            names |= {columns[1].lower(), columns[4].rsplit("/", 1)[-1].lower()}
    return frozenset(names)


def voice_for(language: str) -> str | None:
    """The espeak-ng voice of a BCP 47 tag: the most specific installed one ('pt-BR' →
    'pt-br', 'en-US' → 'en-us', 'ar-EG' → 'ar', 'zh-Hant' → 'cmn'); None when espeak-ng has
    none."""
    parts = language.lower().replace("_", "-").split("-")
    for size in range(len(parts), 0, -1):
        tag = "-".join(parts[:size])
        tag = _ALIASES.get(tag, tag)
        if tag in installed_voices():
            return tag
    return None


def synthesize(speech: str, voice: str, cache: Path | None) -> bytes:
    """16-bit mono PCM at SAMPLE_RATE of `speech` in `voice`, from the cache when it has it."""
    key = hashlib.sha256(json.dumps([ENGINE, engine_version(), voice, speech]).encode()).hexdigest()
    cached = cache / key[:2] / f"{key}.wav" if cache is not None else None
    if cached is not None and cached.is_file():
        try:
            return _samples(cached)
        except (wave.Error, EOFError, OSError):
            pass  # a damaged entry: speak it again
    with tempfile.TemporaryDirectory(prefix="narration-") as folder:
        out = Path(folder) / "sentence.wav"
        # The text goes on stdin (never as an argument it could be read as an option), in UTF-8.
        run_tool(ENGINE, ["-v", voice, "-b", "1", "-w", str(out)], speech)
        pcm = _samples(out)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            part = cached.with_name(f".{cached.name}.{os.getpid()}.part")
            shutil.copyfile(out, part)
            os.replace(part, cached)
    return pcm


def _samples(path: Path) -> bytes:
    with wave.open(str(path), "rb") as audio:
        shape = (audio.getnchannels(), audio.getsampwidth(), audio.getframerate())
        if shape != (1, 2, SAMPLE_RATE):
            raise wave.Error(f"{path.name}: not 16-bit mono at {SAMPLE_RATE} Hz")
        return audio.readframes(audio.getnframes())
