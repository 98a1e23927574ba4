"""Repairs to the tag tree WeasyPrint 70 writes, so the PDF reads right in a screen reader.

WeasyPrint's tagging is close but not right (see ../shared/notes/pdf.md); each pass below fixes
one documented fault, keeps MCIDs and the ParentTree consistent, and is safe to run once:

- page margin boxes (running head, page numbers) are tagged but hang from no element (#1836):
  they become `/Artifact /Pagination` marked content;
- a decorative image (alt="") becomes a Figure without /Alt, a PDF/UA failure: it becomes an
  artifact, as HTML's alt="" means "nothing to announce";
- `<figure>` is a NonStruct with the Caption beside the Figure: it becomes a Div grouping exactly
  the Figure and its Caption;
- a Figure's /BBox is in CSS px from the top: it is converted to PDF points from the bottom.
"""
from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name

PX_TO_PT = 0.75


def fix_tags(data: bytes) -> bytes:
    """Return the PDF with its tag tree repaired (input: a WeasyPrint pdf/ua-1 file)."""
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root.StructTreeRoot
    page_numbers = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    parent_arrays = _parent_tree_arrays(root)

    _regroup_figures(root)
    artifacts: dict[int, dict[int, Name]] = {}  # page index → {MCID: artifact type}
    for element in list(_walk(root)):
        if element.S == Name.Figure and "/Alt" not in element:
            _drop_figure(element, page_numbers, artifacts)
        elif element.S == Name.Figure:
            _fix_bbox(element, pdf, page_numbers)
    reachable = {element.objgen for element in _walk(root)}
    for page_index, page in enumerate(pdf.pages):
        key = int(page.obj.get("/StructParents", page_index))
        array = parent_arrays.get(key)
        if array is None:
            continue
        orphans = artifacts.setdefault(page_index, {})
        for mcid, element in enumerate(array):
            if isinstance(element, Dictionary) and element.objgen not in reachable:
                orphans[mcid] = Name.Pagination
        for mcid in orphans:
            if mcid < len(array):
                array[mcid] = None
        if orphans:
            _mark_artifacts(pdf, page, orphans)
    out = io.BytesIO()
    # Deterministic output: no new /ID, object streams as WeasyPrint's, no timestamps.
    pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def _walk(node):
    """Every StructElem reachable from `node`, parents before children."""
    kids = node.get("/K")
    if kids is None:
        return
    for kid in (kids if isinstance(kids, Array) else [kids]):
        if isinstance(kid, Dictionary) and kid.get("/Type", Name.StructElem) == Name.StructElem \
                and "/S" in kid:
            yield kid
            yield from _walk(kid)


def _parent_tree_arrays(root) -> dict[int, Array]:
    nums = root.ParentTree.get("/Nums", Array())
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)
            if isinstance(nums[i + 1], Array)}


def _regroup_figures(root):
    """`<figure>` → Div holding the Figure and its Caption, nothing else."""
    for element in _walk(root):
        kids = [k for k in element.get("/K", Array()) if isinstance(k, Dictionary)]
        types = [k.get("/S") for k in kids]
        if element.S == Name.NonStruct and Name.Figure in types and Name.Caption in types:
            element.S = Name.Div


def _drop_figure(element, page_numbers, artifacts):
    """A Figure without /Alt is decorative: its image becomes an artifact, the element goes."""
    page = page_numbers.get(element.Pg.objgen, 0) if "/Pg" in element else 0
    for kid in element.get("/K", Array()):
        if isinstance(kid, int):
            artifacts.setdefault(page, {})[int(kid)] = Name.Layout
    parent = element.P
    parent.K = Array([k for k in parent.K if not (isinstance(k, Dictionary)
                                                  and k.objgen == element.objgen)])


def _fix_bbox(element, pdf, page_numbers):
    attributes = element.get("/A")
    if not isinstance(attributes, Dictionary) or "/BBox" not in attributes:
        return
    page = pdf.pages[page_numbers.get(element.Pg.objgen, 0)]
    height = float(page.mediabox[3])
    x1, y1, x2, y2 = (float(v) * PX_TO_PT for v in attributes.BBox)
    attributes.BBox = Array([round(x1, 3), round(height - y2, 3), round(x2, 3), round(height - y1, 3)])


def _mark_artifacts(pdf, page, mcids: dict[int, Name]):
    """Rewrite `/Tag <</MCID n>> BDC` as `/Artifact <</Type /…>> BDC` for `mcids`."""
    instructions = pikepdf.parse_content_stream(page)
    changed = []
    for operands, operator in instructions:
        if operator == pikepdf.Operator("BDC") and len(operands) == 2 \
                and isinstance(operands[1], Dictionary) and "/MCID" in operands[1] \
                and int(operands[1].MCID) in mcids:
            properties = Dictionary(Type=mcids[int(operands[1].MCID)])
            changed.append(pikepdf.ContentStreamInstruction([Name.Artifact, properties], operator))
        else:
            changed.append(pikepdf.ContentStreamInstruction(operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(changed))
