"""Archival metadata: one PDF that is both PDF/A-3a and PDF/UA-1, and says where it came from.

WeasyPrint writes one variant at a time (#2783). We ask it for PDF/A-3a (which tags like
PDF/UA-1) and then, in the XMP packet: declare PDF/UA-1 (`pdfuaid:part`) with the extension
schema PDF/A requires for it; add the provenance facts (publisher, dates, rights, source, the
source's sha256, the renderer); and store the packet uncompressed, as PDF/A asks. The document
information dictionary gets the same dates, so the two agree.
"""
from __future__ import annotations

import pikepdf
from lxml import etree

from ..provenance import Provenance, statement

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "renderer": "https://renderer.invalid/ns/provenance/1.0/",
}
RDF = "{%s}" % NS["rdf"]


def finish(pdf: pikepdf.Pdf, provenance: Provenance) -> None:
    """Rewrite the XMP packet and the Info dates of a WeasyPrint PDF/A-3a file, in place."""
    packet = etree.fromstring(pdf.Root.Metadata.read_bytes().split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])
    rdf = packet.find(f"{RDF}RDF")
    rdf.append(_description({"pdfuaid:part": "1"}))
    rdf.append(_extension_schemas())
    stamp = provenance.rendered.strftime("%Y-%m-%dT%H:%M:%SZ")
    facts = {
        "xmp:CreateDate": stamp, "xmp:ModifyDate": stamp, "xmp:MetadataDate": stamp,
        "renderer:sourceSha256": provenance.source_sha256,
        "renderer:published": provenance.published,
        "renderer:provenance": statement(provenance),
        "dc:identifier": provenance.identifier,
    }
    if provenance.source:
        facts["dc:source"] = provenance.source
    for name in list(facts) + ["dc:publisher", "dc:language", "dc:rights"]:
        _remove(rdf, name)  # WeasyPrint may have written some of these (from <meta> dates)
    description = _description(facts)
    _bag(description, "dc:publisher", [provenance.publisher])
    _bag(description, "dc:language", [provenance.language])
    _alt(description, "dc:rights", provenance.rights)
    rdf.append(description)
    body = etree.tostring(packet, encoding="utf-8")
    xml = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body +
           b'\n<?xpacket end="w"?>')
    pdf.Root.Metadata = pdf.make_stream(xml, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    pdf_date = provenance.rendered.strftime("D:%Y%m%d%H%M%SZ")
    pdf.docinfo["/CreationDate"] = pdf_date
    pdf.docinfo["/ModDate"] = pdf_date


def _remove(rdf, name: str):
    qualified = _qualified(name)
    for description in rdf.findall(f"{RDF}Description"):
        description.attrib.pop(qualified, None)
        for child in description.findall(qualified):
            description.remove(child)


def _qualified(name: str) -> str:
    prefix, local = name.split(":")
    return "{%s}%s" % (NS[prefix], local)


def _description(properties: dict[str, str]):
    element = etree.Element(f"{RDF}Description", nsmap={k: NS[k] for k in
                                                         ("rdf", "dc", "xmp", "pdfuaid", "renderer")})
    element.set(f"{RDF}about", "")
    for name, value in properties.items():
        etree.SubElement(element, _qualified(name)).text = value
    return element


def _bag(parent, name, values):
    bag = etree.SubElement(etree.SubElement(parent, _qualified(name)), f"{RDF}Bag")
    for value in values:
        etree.SubElement(bag, f"{RDF}li").text = value


def _alt(parent, name, value):
    alt = etree.SubElement(etree.SubElement(parent, _qualified(name)), f"{RDF}Alt")
    item = etree.SubElement(alt, f"{RDF}li")
    item.set("{http://www.w3.org/XML/1998/namespace}lang", "x-default")
    item.text = value


def _extension_schemas():
    """PDF/A allows only declared XMP properties: declare pdfuaid:part and ours."""
    element = etree.Element(f"{RDF}Description", nsmap={
        k: NS[k] for k in ("rdf", "pdfaExtension", "pdfaSchema", "pdfaProperty")})
    element.set(f"{RDF}about", "")
    bag = etree.SubElement(etree.SubElement(element, _qualified("pdfaExtension:schemas")),
                           f"{RDF}Bag")
    schemas = [
        ("PDF/UA Universal Accessibility Schema", NS["pdfuaid"], "pdfuaid",
         [("part", "Integer", "internal", "Part of ISO 14289 the file conforms to")]),
        ("Renderer provenance", NS["renderer"], "renderer",
         [("sourceSha256", "Text", "external", "SHA-256 of the article source the file was made from"),
          ("published", "Text", "external", "Date the article was first published (YYYY-MM-DD)"),
          ("provenance", "Text", "external", "How and from what this file was made")]),
    ]
    for title, uri, prefix, properties in schemas:
        item = etree.SubElement(bag, f"{RDF}li")
        item.set(f"{RDF}parseType", "Resource")
        etree.SubElement(item, _qualified("pdfaSchema:schema")).text = title
        etree.SubElement(item, _qualified("pdfaSchema:namespaceURI")).text = uri
        etree.SubElement(item, _qualified("pdfaSchema:prefix")).text = prefix
        seq = etree.SubElement(etree.SubElement(item, _qualified("pdfaSchema:property")),
                               f"{RDF}Seq")
        for name, value_type, category, text in properties:
            prop = etree.SubElement(seq, f"{RDF}li")
            prop.set(f"{RDF}parseType", "Resource")
            etree.SubElement(prop, _qualified("pdfaProperty:name")).text = name
            etree.SubElement(prop, _qualified("pdfaProperty:valueType")).text = value_type
            etree.SubElement(prop, _qualified("pdfaProperty:category")).text = category
            etree.SubElement(prop, _qualified("pdfaProperty:description")).text = text
    return element
