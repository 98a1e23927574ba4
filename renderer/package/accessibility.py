"""The accessibility metadata of a built EPUB, read back from its package document (OPF), so
the feeds tell e-reader apps what the file itself declares (EPUB Accessibility 1.1, the
schema.org properties) and not what the renderer meant to write.

The EPUB is one the renderer wrote into the output folder, but that folder outlives every run
and anyone can replace a file in it: the container is read with bounded sizes, and the XML with
no DTD, no entities and no network."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import RenderError

OPF_LIMIT = 4 * 1024 * 1024  # bytes; ours are a few kB
_CONTAINER = "META-INF/container.xml"
_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container",
       "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
               huge_tree=False, remove_comments=True, remove_pis=True)


@dataclass(frozen=True)
class Accessibility:
    """What an EPUB declares of its accessibility, each list in the OPF's order.
    `modes_sufficient` keeps each set as the OPF writes it ("textual,visual")."""
    conforms_to: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    modes_sufficient: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    hazards: tuple[str, ...] = ()
    summary: str | None = None
    summary_language: str | None = None  # its xml:lang in the OPF (own or inherited)

    def as_webpub(self) -> dict:
        """The Readium Web Publication Manifest's `accessibility` object (what OPDS 2.0
        carries in a publication's metadata): a set of several modes is an array."""
        found = {"conformsTo": [u for u in map(conformance_uri, self.conforms_to) if u],
                 "accessMode": list(self.modes),
                 "accessModeSufficient": [_mode_set(s) for s in self.modes_sufficient],
                 "feature": list(self.features), "hazard": list(self.hazards),
                 "summary": self.summary}
        return {key: value for key, value in found.items() if value}


# EPUB Accessibility 1.1 names its conformance in words; the Readium profile wants a URL.
_CONFORMANCE = re.compile(r"EPUB Accessibility 1\.1 - WCAG (2\.[0-9]) Level (A{1,3})")


def conformance_uri(value: str) -> str | None:
    """`EPUB Accessibility 1.1 - WCAG 2.2 Level AA` → `https://www.w3.org/TR/epub-a11y-11#wcag-
    2.2-aa` (the profile Readium's toolkits give it); a URL as it is; None for other words."""
    words = _CONFORMANCE.fullmatch(value.strip())
    if words:
        return f"https://www.w3.org/TR/epub-a11y-11#wcag-{words[1]}-{words[2].lower()}"
    return value if re.match(r"https?://\S+$", value) else None


def _mode_set(value: str):
    modes = [m.strip() for m in value.split(",") if m.strip()]
    return modes[0] if len(modes) == 1 else modes


_PROPERTIES = {"schema:accessMode": "modes", "schema:accessModeSufficient": "modes_sufficient",
               "schema:accessibilityFeature": "features", "schema:accessibilityHazard": "hazards",
               "schema:accessibilitySummary": "summary", "dcterms:conformsTo": "conforms_to"}


def read_accessibility(epub: Path) -> Accessibility:
    """The accessibility metadata of `epub`'s package document; one line, naming the file,
    if it is not an EPUB the renderer could have written."""
    epub = Path(epub)
    try:
        with zipfile.ZipFile(epub) as archive:
            container = _parse(_member(archive, _CONTAINER))
            rootfile = container.xpath("string(//c:rootfile/@full-path)", namespaces=_NS)
            package = _parse(_member(archive, rootfile))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise RenderError(epub, None, "cannot read the EPUB's accessibility metadata "
                          f"({_why(error)}); run `renderer build` again to rewrite it") from None
    return _from_package(package)


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes, refused past OPF_LIMIT whatever the zip's directory claims."""
    if not name:
        raise ValueError("no package document named in META-INF/container.xml")
    with archive.open(name) as member:
        data = member.read(OPF_LIMIT + 1)
    if len(data) > OPF_LIMIT:
        raise ValueError(f"{name} is larger than {OPF_LIMIT // 1024 // 1024} MB")
    return data


def _parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(**_PARSER))


def _from_package(package) -> Accessibility:
    """EPUB 3's `<meta property="schema:…">` (and EPUB 2's `<meta name content>`), and
    conformsTo also as a `<link rel="dcterms:conformsTo">` (EPUB Accessibility 1.0)."""
    values: dict[str, list[str]] = {field: [] for field in _PROPERTIES.values()}
    language = None
    for meta in package.xpath("opf:metadata/opf:meta", namespaces=_NS):
        name = meta.get("property") or meta.get("name")
        text = meta.text if meta.get("property") else meta.get("content")
        if name in _PROPERTIES and meta.get("refines") is None and text and text.strip(" \t\r\n"):
            # XML's white space only: a French summary keeps its narrow no-break spaces
            values[_PROPERTIES[name]].append(re.sub(r"[ \t\r\n]+", " ", text).strip(" "))
            if name == "schema:accessibilitySummary" and language is None:
                language = meta.xpath("string(ancestor-or-self::*[@xml:lang][1]/@xml:lang)")
    for link in package.xpath("opf:metadata/opf:link[@rel='dcterms:conformsTo']", namespaces=_NS):
        if link.get("href"):
            values["conforms_to"].append(link.get("href"))
    summary = values.pop("summary")
    return Accessibility(summary=summary[0] if summary else None,
                         summary_language=language or None,
                         **{k: tuple(dict.fromkeys(v)) for k, v in values.items()})


def _why(error: Exception) -> str:
    if isinstance(error, KeyError):
        return "a file it names is missing"
    if isinstance(error, zipfile.BadZipFile):
        return "not a ZIP container"
    if isinstance(error, etree.XMLSyntaxError):
        return f"XML: {error.msg}"
    return str(error) or type(error).__name__
