"""Archival metadata: one PDF that is both PDF/A-3a and PDF/UA-1, and says where it came from.

WeasyPrint writes one variant at a time (#2783). We ask it for PDF/A-3a (which tags like
PDF/UA-1) and then, in the XMP packet: declare PDF/UA-1 (`pdfuaid:part`) with the extension
schema PDF/A requires for it; add the provenance facts (publisher, dates, rights, source, the
source's sha256, the renderer). pikepdf's `open_metadata` edits the packet: it knows the XMP
type of each Dublin Core, xmp: and pdfuaid: property (a Bag, a language alternative, a simple
value), replaces what WeasyPrint wrote, stores the packet uncompressed (as PDF/A asks) and
copies the title, dates and tools into the document information dictionary, so the two agree.
"""
from __future__ import annotations

import pikepdf
from pikepdf.models import PdfMetadata

from ..provenance import Provenance, statement

RENDERER_NS = "https://renderer.invalid/ns/provenance/1.0/"
PdfMetadata.register_xml_namespace(RENDERER_NS, "renderer")  # for "renderer:…" keys


def finish(pdf: pikepdf.Pdf, provenance: Provenance) -> None:
    """Add PDF/UA-1 and the provenance to the XMP of a WeasyPrint PDF/A-3a file, in place.

    `set_pikepdf_as_editor=False`: pikepdf would otherwise stamp xmp:MetadataDate with the
    clock and pdf:Producer with its own name, and two renders would differ."""
    stamp = provenance.rendered.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["pdfuaid:part"] = "1"
        meta.copy_properties(EXTENSION_SCHEMAS, ["pdfaExtension:schemas"])
        for name in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
            meta[name] = stamp
        meta["renderer:sourceSha256"] = provenance.source_sha256
        meta["renderer:published"] = provenance.published
        meta["renderer:provenance"] = statement(provenance)
        meta["dc:identifier"] = provenance.identifier
        if provenance.source:
            meta["dc:source"] = provenance.source
        if provenance.author:  # dc:creator, and /Author through update_docinfo
            meta["dc:creator"] = [provenance.author]
        meta["dc:publisher"] = [provenance.publisher]
        meta["dc:language"] = [provenance.language]
        meta["dc:rights"] = provenance.rights


# PDF/A allows only declared XMP properties: this declares pdfuaid:part and ours. It is a
# structure (an rdf:Bag of resources holding an rdf:Seq of resources), which pikepdf can copy
# but not build, so it is written out here and copied in whole.
EXTENSION_SCHEMAS = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
 <pdfaExtension:schemas><rdf:Bag>
  <rdf:li rdf:parseType="Resource">
   <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
   <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
   <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
   <pdfaSchema:property><rdf:Seq>
    <rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>
    </rdf:li>
   </rdf:Seq></pdfaSchema:property>
  </rdf:li>
  <rdf:li rdf:parseType="Resource">
   <pdfaSchema:schema>Renderer provenance</pdfaSchema:schema>
   <pdfaSchema:namespaceURI>https://renderer.invalid/ns/provenance/1.0/</pdfaSchema:namespaceURI>
   <pdfaSchema:prefix>renderer</pdfaSchema:prefix>
   <pdfaSchema:property><rdf:Seq>
    <rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>sourceSha256</pdfaProperty:name>
     <pdfaProperty:valueType>Text</pdfaProperty:valueType>
     <pdfaProperty:category>external</pdfaProperty:category>
     <pdfaProperty:description>SHA-256 of the article source the file was made from</pdfaProperty:description>
    </rdf:li>
    <rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>published</pdfaProperty:name>
     <pdfaProperty:valueType>Text</pdfaProperty:valueType>
     <pdfaProperty:category>external</pdfaProperty:category>
     <pdfaProperty:description>Date the article was first published (YYYY-MM-DD)</pdfaProperty:description>
    </rdf:li>
    <rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>provenance</pdfaProperty:name>
     <pdfaProperty:valueType>Text</pdfaProperty:valueType>
     <pdfaProperty:category>external</pdfaProperty:category>
     <pdfaProperty:description>How and from what this file was made</pdfaProperty:description>
    </rdf:li>
   </rdf:Seq></pdfaSchema:property>
  </rdf:li>
 </rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>"""
