"""The PDF structure tree, with the bookkeeping needed to move things around safely: kids,
page arrays and the ParentTree. The repair passes (passes.py) edit the tree only through it."""
from __future__ import annotations

import io
import re
from collections import defaultdict
from functools import lru_cache

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..lang import direction_of
from . import unicode
from .text import join_text, logical_order, mcid_glyphs


def save(pdf: pikepdf.Pdf) -> bytes:
    """Deterministic bytes: the /ID is computed from the content, no timestamps are added."""
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


class Tree:
    """A PDF's structure tree with the bookkeeping needed to move things around safely.

    Each element's kids are read from /K once into a Python list (`kids`); an edit replaces
    that list (`set_kids`, never changing it in place) and `finish` writes the changed ones
    back. Every pass then costs time in proportion to the tree: rebuilding a pikepdf array or
    searching a paragraph's kids once per element made a paragraph of 2,000 links or spans
    take minutes (issue 17; `bench/scale.py` shows the growth).
    """

    def __init__(self, data: bytes, laid_out=None):
        """`laid_out` maps (page, MCID) to the text WeasyPrint laid out there (see unicode.py):
        the fonts' maps are repaired, and runs whose glyphs do not say it get /ActualText,
        before any text is read."""
        self.pdf = pikepdf.open(io.BytesIO(data))
        self.root = self.pdf.Root.StructTreeRoot
        self.document = self.root.K[0] if isinstance(self.root.K, Array) else self.root.K
        self.page_index = {page.obj.objgen: n for n, page in enumerate(self.pdf.pages)}
        nums = self.root.ParentTree.Nums
        self.parent_tree = {int(nums[i]): i + 1 for i in range(0, len(nums), 2)}
        if laid_out:
            unicode.repair_maps(self.pdf)
        self.glyphs = mcid_glyphs(self.pdf)
        if laid_out:
            for key, text in unicode.add_actual_text(self.pdf, laid_out, self.glyphs).items():
                # as mcid_glyphs reads it back: the run's text, after a lost-space marker
                marker = ["\n"] if self.glyphs[key][:1] == ["\n"] else []
                self.glyphs[key] = marker + [text]
        self.document_rtl = _rtl(str(self.pdf.Root.get("/Lang", "")))
        self.artifacts: dict[int, dict[int, Name]] = defaultdict(dict)
        self._kids: dict[tuple[int, int], list] = {}  # element objgen → its kids
        self._changed: dict[tuple[int, int], Dictionary] = {}  # elements whose /K to write
        self.tops_cache = None  # (the Document's kids list, [(page, element)]), for merge_across

    # ------------------------------------------------------------ helpers
    def walk(self, node=None):
        """Every StructElem below `node` (the Document by default), parents first."""
        node = self.document if node is None else node
        for kid in self.kids(node):
            if _is_elem(kid):
                yield kid
                yield from self.walk(kid)

    def kids(self, node) -> list:
        """The kids of `node`, read once from /K; do not change the list (use set_kids)."""
        key = node.objgen
        kids = self._kids.get(key)
        if kids is None:
            k = node.get("/K")
            kids = [] if k is None else list(k) if isinstance(k, Array) else [k]
            if key != (0, 0):  # only indirect objects have an identity to key on
                self._kids[key] = kids
        return kids

    def set_kids(self, node, kids):
        key = node.objgen
        if key == (0, 0):
            node.K = Array(kids)
            return
        self._kids[key] = kids
        self._changed[key] = node

    def page_of(self, element) -> int:
        return self.page_index.get(element.Pg.objgen, 0) if "/Pg" in element else 0

    def page_array(self, page: int):
        key = int(self.pdf.pages[page].obj.get("/StructParents", page))
        return self.root.ParentTree.Nums[self.parent_tree[key]]

    def move_kid(self, kid, source, target):
        """Re-home one kid of `source` in `target`, keeping the ParentTree pointing right."""
        if _is_elem(kid):
            kid.P = target
            return kid
        if isinstance(kid, int):
            page = self.page_of(source)
            self.page_array(page)[int(kid)] = target
            if page != self.page_of(target):
                return self.pdf.make_indirect(Dictionary(
                    Type=Name.MCR, Pg=self.pdf.pages[page].obj, MCID=int(kid)))
            return kid
        if isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            self.page_array(self.page_index[kid.Pg.objgen])[int(kid.MCID)] = target
        elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
            key = int(kid.Obj.StructParent)
            self.root.ParentTree.Nums[self.parent_tree[key]] = target
        return kid

    def absorb(self, target, source):
        """Append all of `source`'s kids to `target` and drop `source` from its parent."""
        moved = [self.move_kid(k, source, target) for k in self.kids(source)]
        self.set_kids(target, self.kids(target) + moved)
        self.detach(source)

    def detach(self, element):
        parent = element.P
        siblings = self.kids(parent)
        index = _index_of(siblings, element)
        self.set_kids(parent, siblings if index is None else siblings[:index] + siblings[index + 1:])

    def detach_all(self, elements):
        """Drop each of `elements` from its parent, rebuilding each parent's kids once."""
        parents: dict = {}
        for element in elements:
            parent = element.P
            parents.setdefault(parent.objgen, (parent, set()))[1].add(element.objgen)
        for parent, gone in parents.values():
            self.set_kids(parent, [k for k in self.kids(parent)
                                   if not (_is_elem(k) and k.objgen in gone)])

    def element_text(self, element, rtl: bool | None = None, memo=None) -> str:
        """The text an element's marked content shows, in reading order."""
        rtl = self.is_rtl(element) if rtl is None else rtl
        return join_text([self._raw_text(element, rtl, memo)])

    def is_rtl(self, element) -> bool:
        """The base direction an element's text is laid out in: from the nearest /Lang."""
        node = element
        while isinstance(node, Dictionary) and node.get("/Type", Name.StructElem) == Name.StructElem:
            if "/Lang" in node:
                return _rtl(str(node.Lang))
            node = node.get("/P")
        return self.document_rtl

    def _raw_text(self, element, rtl: bool, memo: dict | None = None) -> str:
        """`memo` (for a pass that does not change the tree) keeps each element's text, so
        text of nested elements is not rebuilt for each of their ancestors."""
        if memo is not None and (element.objgen, rtl) in memo:
            return memo[element.objgen, rtl]
        pieces = []
        for kid in self.kids(element):
            if _is_elem(kid):
                pieces.append(self._raw_text(kid, rtl, memo))
            elif (key := self.mcid_key(element, kid)) is not None:
                pieces.append(logical_order(self.glyphs.get(key, ()), rtl))
        text = "".join(pieces)
        if memo is not None:
            memo[element.objgen, rtl] = text
        return text

    def link_target(self, element) -> str:
        for kid in self.kids(element):
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                annotation = kid.Obj
                if "/A" in annotation and "/URI" in annotation.A:
                    return str(annotation.A.URI)
                if "/Dest" in annotation:
                    return "#" + str(annotation.Dest)
        return ""

    def mcid_key(self, element, kid):
        """(page, MCID) of a kid that is marked content, else None."""
        if isinstance(kid, int):
            return (self.page_of(element), int(kid))
        if isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            return (self.page_index[kid.Pg.objgen], int(kid.MCID))
        return None

    def finish(self) -> pikepdf.Pdf:
        for key, node in self._changed.items():
            node.K = Array(self._kids[key])
        for page, mcids in self.artifacts.items():
            array = self.page_array(page)
            for mcid in mcids:
                if mcid < len(array):
                    array[mcid] = None
            if mcids:
                _mark_artifacts(self.pdf, self.pdf.pages[page], mcids)
        return self.pdf


def _is_elem(node) -> bool:
    return isinstance(node, Dictionary) and "/S" in node and \
        node.get("/Type", Name.StructElem) == Name.StructElem


def _index_of(kids: list, element):
    """Where `element` is among `kids`: by identity first (the tree keeps one handle per
    element, so this is cheap), else by object number."""
    for index, kid in enumerate(kids):
        if kid is element:
            return index
    key = element.objgen
    return next((i for i, k in enumerate(kids) if _is_elem(k) and k.objgen == key), None)


@lru_cache(maxsize=None)
def _rtl(lang: str) -> bool:
    """Whether a language tag is written right to left (cached: langcodes is slow)."""
    return direction_of(lang) == "rtl"


_BDC = re.compile(rb"^/[A-Za-z0-9]+\s*<<\s*/MCID ([0-9]+)\s*>>\s*BDC$", re.M)  # 1 or 3 lines


def _mark_artifacts(pdf, page, mcids: dict[int, Name]):
    """Rewrite `/Tag <</MCID n>> BDC` as `/Artifact <</Type /…>> BDC` for the given MCIDs.

    WeasyPrint writes each such operator on a line of its own, so the lines are replaced in
    the stream's bytes (a tenth of the time of parsing and rewriting the whole page); a page
    where not every MCID is found that way is parsed and rewritten instead."""
    data = page.obj.Contents.read_bytes() if isinstance(page.obj.Contents, pikepdf.Stream) else None
    if data is not None:
        found = set()

        def replace(match):
            mcid = int(match.group(1))
            if mcid not in mcids:
                return match.group(0)
            found.add(mcid)
            return b"/Artifact << /Type " + bytes(mcids[mcid]) + b" >> BDC"

        data = _BDC.sub(replace, data)
        if found == set(mcids):
            page.obj.Contents = pdf.make_stream(data)
            return
    instructions = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], Dictionary) \
                and "/MCID" in operands[1] and int(operands[1].MCID) in mcids:
            operands = [Name.Artifact, Dictionary(Type=mcids[int(operands[1].MCID)])]
        instructions.append(pikepdf.ContentStreamInstruction(operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
