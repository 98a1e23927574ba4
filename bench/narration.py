"""The listening editions' cost: seconds of synthesis per minute of speech, EPUB size per
1,000 words.

Articles are narrated as `renderer render --format narrated-epub,audiobook` does (the same
Narrator, the same XHTML), with an empty sentence cache, and timed in parts: espeak-ng's
synthesis (every sentence, one process each), LAME's MP3, ffmpeg's M4B. Then the same again
with the cache full (a re-build of unchanged text). Words are counted in what is spoken
(`renderer read`'s text, whitespace-separated; a Chinese or Japanese article counts few).

Run: `.venv/bin/python bench/narration.py` (options: --article DIR …).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renderer.build import Options, render_article  # noqa: E402
from renderer.narration import Narrator, audio, voice  # noqa: E402
from renderer.narration.speech import spoken_units  # noqa: E402

ARTICLES = [ROOT / "content" / "dod-quds-force-commander",
            ROOT / "tests" / "corpus" / "good" / "long-report",
            ROOT / "tests" / "corpus" / "good" / "everything",
            ROOT / "tests" / "corpus" / "languages" / "ar"]


def measure(article: Path) -> dict:
    """Times and sizes of one article's listening editions, from an empty cache and a full one."""
    with tempfile.TemporaryDirectory(prefix="bench-narration-") as folder:
        cache = Path(folder) / "cache"
        options = Options(formats=("epub",))
        result, files = render_article(article, options)
        slug = result.article.name
        xhtml = _xhtml(files[f"{slug}.epub"])
        narrator = Narrator(result.doc.metadata.language, cache)
        _, units = spoken_units(xhtml, narrator.language)
        started = time.perf_counter()
        narrator.speak(xhtml)
        synthesis = time.perf_counter() - started
        started = time.perf_counter()
        narrator.speak(xhtml)
        cached = time.perf_counter() - started
        started = time.perf_counter()
        mp3 = audio.encode_mp3(narrator.track)
        lame = time.perf_counter() - started
        meta = result.doc.metadata
        started = time.perf_counter()
        m4b = narrator.audiobook(meta.title, meta.author, meta.publisher, meta.published.isoformat())
        ffmpeg = time.perf_counter() - started
        narrated_options = Options(formats=("epub", "narrated-epub"), narration_cache=cache)
        _, narrated = render_article(article, narrated_options)
        words = sum(len(u.text.split()) for u in units)
        minutes = narrator.seconds / 60
        return dict(slug=slug, voice=narrator.voice, words=words, sentences=len(units),
                    minutes=minutes, synthesis=synthesis, cached=cached, lame=lame, ffmpeg=ffmpeg,
                    mp3=len(mp3), m4b=len(m4b), epub=len(narrated[f"{slug}.epub"]),
                    narrated=len(narrated[f"{slug}.narrated.epub"]))


def _xhtml(epub: bytes) -> str:
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(epub)) as book:
        return book.read("EPUB/article.xhtml").decode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", type=Path, nargs="+", default=ARTICLES)
    args = parser.parse_args()
    print(f"espeak-ng {voice.engine_version()}; MP3 {audio.MP3_KBPS} kbit/s mono (LAME), "
          f"M4B AAC {audio.AAC_KBPS} kbit/s (ffmpeg); one run, empty sentence cache")
    print(f"{'article':28} {'voice':6} {'words':>6} {'speech':>7} {'synth s/min':>11} "
          f"{'cached':>7} {'MP3 s':>6} {'M4B s':>6} {'EPUB MB':>8} {'+narr MB':>8} "
          f"{'MB/1000 w':>9} {'M4B MB':>7}")
    for article in args.article:
        r = measure(article)
        per_minute = r["synthesis"] / r["minutes"]
        per_thousand = r["narrated"] / 1e6 / r["words"] * 1000
        print(f"{r['slug'][:28]:28} {r['voice']:6} {r['words']:6d} {r['minutes']:6.1f}m "
              f"{per_minute:11.3f} {r['cached']:6.2f}s {r['lame']:6.2f} {r['ffmpeg']:6.2f} "
              f"{r['epub'] / 1e6:8.2f} {r['narrated'] / 1e6:8.2f} {per_thousand:9.2f} "
              f"{r['m4b'] / 1e6:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
