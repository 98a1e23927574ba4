"""Repairs to the tag tree WeasyPrint 70 writes, so the PDF reads right in a screen reader.

WeasyPrint's tagging is close but not right (../shared/notes/pdf.md). Each pass fixes one
documented fault and keeps MCIDs, /Pg and the ParentTree consistent:

- page margin boxes (running head, page numbers) hang from no element (WeasyPrint #1836):
  their marked content becomes `/Artifact /Pagination`;
- a decorative image (alt="") becomes a Figure without /Alt, a PDF/UA failure: it becomes an
  `/Artifact /Layout`, as HTML's alt="" means "nothing to announce";
- the tree is rebuilt per page (#2903): an element that runs across a page break (main, a
  paragraph, a list, a table) is two elements; they are merged back into one, and a table
  header repeated on the new page becomes an artifact;
- `<figure>` is a NonStruct with the Caption beside the Figure: it becomes a Div grouping exactly
  the Figure (or the frame standing for an image not preserved) and its Caption;
- other NonStruct wrappers (header, footer, em, strong…) are unwrapped, and empty elements go;
- a nested list is a sibling of its parent list's items: it moves into the item's LBody, and an
  LI's stray children are wrapped in an LBody;
- a link broken over two lines is two Link elements: they become one, and every link annotation
  gets a /Contents that says what the link text says (not just the raw URL);
- `lang` on a span or paragraph gives no /Lang: elements whose text is a passage the model marks
  with a language get it;
- right-to-left text is painted in visual order: its runs get /ActualText in reading order;
- a Figure's /BBox is in CSS px from the top: it is converted to PDF points from the bottom;
- TH elements get a /Scope (Column in a THead, Row elsewhere).
"""
from __future__ import annotations

import io
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from functools import lru_cache
from itertools import islice

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..lang import direction_of
from .text import join_text, logical_order, mcid_glyphs  # noqa: F401 (join_text re-exported)

PX_TO_PT = 0.75
BREAK_AFTER = set("-\u2010\u2012\u2013\u2014/\u2024\u2025\u2026\u00ad")
INLINE_WRAPPERS = {"/Span", "/Link", "/NonStruct"}
GROUPING = {Name.Document, Name.Part, Name.Art, Name.Sect, Name.Div, Name.BlockQuote}


def save(pdf: pikepdf.Pdf) -> bytes:
    """Deterministic bytes: the /ID is computed from the content, no timestamps are added."""
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def repair_tags(data: bytes, continued=(), languages=()) -> pikepdf.Pdf:
    """The PDF with its tag tree repaired, open for further edits.

    `continued[n]` lists the PDF tags (outermost first) of the elements that run from page n
    to page n+1; `languages` is [(text, lang), …] in reading order, from the page.
    """
    tree = _Tree(data)
    tree.artifact_orphans_and_decorative_figures()
    for page, tags in enumerate(continued):
        tree.merge_across(page, list(tags))
    tree.group_figures()
    tree.unwrap_nonstruct()
    tree.fix_lists()
    tree.remove_empty()
    tree.fix_links()
    tree.set_languages(languages)
    tree.add_actual_text_for_rtl()
    tree.fix_figure_boxes()
    tree.scope_table_headers()
    return tree.finish()


class _Tree:
    """A PDF's structure tree with the bookkeeping needed to move things around safely.

    Each element's kids are read from /K once into a Python list (`kids`); an edit replaces
    that list (`set_kids`, never changing it in place) and `finish` writes the changed ones
    back. Every pass then costs time in proportion to the tree: rebuilding a pikepdf array or
    searching a paragraph's kids once per element made a paragraph of 2,000 links or spans
    take minutes (issue 17; `bench/scale.py` shows the growth).
    """

    def __init__(self, data: bytes):
        self.pdf = pikepdf.open(io.BytesIO(data))
        self.root = self.pdf.Root.StructTreeRoot
        self.document = self.root.K[0] if isinstance(self.root.K, Array) else self.root.K
        self.page_index = {page.obj.objgen: n for n, page in enumerate(self.pdf.pages)}
        nums = self.root.ParentTree.Nums
        self.parent_tree = {int(nums[i]): i + 1 for i in range(0, len(nums), 2)}
        self.glyphs = mcid_glyphs(data)
        self.document_rtl = _rtl(str(self.pdf.Root.get("/Lang", "")))
        self.artifacts: dict[int, dict[int, Name]] = defaultdict(dict)
        self._kids: dict[tuple[int, int], list] = {}  # element objgen → its kids
        self._changed: dict[tuple[int, int], Dictionary] = {}  # elements whose /K to write
        self._tops = None  # (the Document's kids list, [(page, element)]), for merge_across

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

    # ------------------------------------------------------------ passes
    def artifact_orphans_and_decorative_figures(self):
        decorative = [e for e in self.walk() if e.S == Name.Figure and "/Alt" not in e]
        for element in decorative:
            for kid in self.kids(element):
                if isinstance(kid, int):
                    self.artifacts[self.page_of(element)][int(kid)] = Name.Layout
        self.detach_all(decorative)
        reachable = {e.objgen for e in self.walk()}
        for page in range(len(self.pdf.pages)):
            for mcid, element in enumerate(self.page_array(page)):
                if isinstance(element, Dictionary) and element.objgen not in reachable:
                    self.artifacts[page].setdefault(mcid, Name.Pagination)

    def merge_across(self, page: int, tags: list[str]):
        """Merge the chain of elements continued from `page` into the next page's chain."""
        document_kids = self.kids(self.document)
        if self._tops is None or self._tops[0] is not document_kids:
            self._tops = (document_kids,
                          [(self.page_of(k), k) for k in document_kids if _is_elem(k)])
        tops = self._tops[1]
        end = start = None
        for top_page, element in tops:
            if top_page <= page:
                end = element
            elif top_page == page + 1 and start is None:
                start = element
        if end is None or start is None:
            return
        top = start
        for tag in tags:
            if str(end.S) != f"/{tag}" or str(start.S) != f"/{tag}" or end.objgen == start.objgen:
                break
            if end.S == Name.Table:
                self.drop_repeated_header(end, start)
            first_kid = next((k for k in self.kids(start) if _is_elem(k)), None)
            previous = next((k for k in reversed(self.kids(end)) if _is_elem(k)), None)
            self.absorb(end, start)
            if first_kid is None or previous is None:
                break
            end, start = previous, first_kid  # the last element before the break, the first after
        now = self.kids(self.document)
        if now is not document_kids:  # the first absorb dropped `top` from the Document
            dropped_top = len(now) == len(document_kids) - 1 and all(k is not top for k in now)
            self._tops = (now, [t for t in tops if t[1] is not top]) if dropped_top else None

    def drop_repeated_header(self, table, continuation):
        """A THead WeasyPrint repeats on a continuation page is an artifact there; the cells
        of the continuation point at the first page's header cells instead."""
        repeated = [str(e.ID) for e in self.walk(continuation) if e.S == Name.TH and "/ID" in e]
        ids = [str(e.ID) for e in islice((e for e in self.walk(table)
                                          if e.S == Name.TH and "/ID" in e), len(repeated))]
        renamed = dict(zip(repeated, ids))
        for cell in self.walk(continuation):
            attributes = cell.get("/A")
            if cell.S == Name.TD and isinstance(attributes, Dictionary) and "/Headers" in attributes:
                attributes.Headers = Array([pikepdf.String(renamed.get(str(h), str(h)))
                                            for h in attributes.Headers])
        for kid in self.kids(continuation):
            if _is_elem(kid) and kid.S == Name.THead:
                for element in [kid] + list(self.walk(kid)):
                    for mcid in self.kids(element):
                        if isinstance(mcid, int):
                            self.artifacts[self.page_of(element)][int(mcid)] = Name.Pagination
                self.detach(kid)

    def group_figures(self):
        for element in list(self.walk()):
            types = [k.S for k in self.kids(element) if _is_elem(k)]
            # A figure without an image (not preserved: a Div frame) keeps its Caption too.
            if element.S == Name.NonStruct and Name.Caption in types:
                element.S = Name.Div

    def unwrap_nonstruct(self, parent=None):
        """Replace each NonStruct by its kids (it means nothing to a reader), except that a
        run of text standing alone at block level (a `<summary>`, say) becomes a paragraph.
        In reading order, parents first; each parent's kids are rebuilt once."""
        parent = self.document if parent is None else parent
        pending = list(reversed(self.kids(parent)))  # a stack: the next kid is last
        kept, changed = [], False
        while pending:
            kid = pending.pop()
            if not _is_elem(kid):
                kept.append(kid)
                continue
            if kid.S == Name.NonStruct and not (parent.get("/S") in GROUPING and all(
                    not _is_elem(k) or str(k.S) in INLINE_WRAPPERS for k in self.kids(kid))):
                moved = [self.move_kid(k, kid, parent) for k in self.kids(kid)]
                pending.extend(reversed(moved))  # its kids take its place, and are looked at
                changed = True
                continue
            if kid.S == Name.NonStruct:
                kid.S = Name.P
            kept.append(kid)
            self.unwrap_nonstruct(kid)
        if changed:
            self.set_kids(parent, kept)

    def fix_lists(self):
        for element in list(self.walk()):
            if element.S == Name.LI:
                bodies = [k for k in self.kids(element) if _is_elem(k) and k.S == Name.LBody]
                for extra in bodies[1:]:  # an item split over a page break has two bodies
                    self.absorb(bodies[0], extra)
                stray = [k for k in self.kids(element)
                         if not (_is_elem(k) and k.S in (Name.Lbl, Name.LBody))]
                if stray:
                    body = self.body_of(element)
                    moved = [self.move_kid(k, element, body) for k in stray]
                    self.set_kids(body, moved + self.kids(body))
                    self.set_kids(element, [k for k in self.kids(element)
                                            if _is_elem(k) and k.S in (Name.Lbl, Name.LBody)])
        for element in list(self.walk()):
            if element.S == Name.L:
                kids = self.kids(element)
                nested = []  # (a list nested in an item, that item's body)
                for i, kid in enumerate(kids):
                    if _is_elem(kid) and kid.S == Name.L and i > 0 and _is_elem(kids[i - 1]) \
                            and kids[i - 1].S == Name.LI:
                        body = self.body_of(kids[i - 1])
                        nested.append((kid, body))
                        self.set_kids(body, self.kids(body) + [kid])
                self.detach_all(kid for kid, _ in nested)  # finds each one's parent by /P
                for kid, body in nested:
                    kid.P = body

    def body_of(self, item):
        for kid in self.kids(item):
            if _is_elem(kid) and kid.S == Name.LBody:
                return kid
        body = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.LBody, P=item,
                                                 Pg=item.Pg, K=Array()))
        self.set_kids(item, self.kids(item) + [body])
        return body

    def remove_empty(self, node=None):
        """Drop elements left without kids (Figures aside), innermost first, so that one
        pass also drops an element whose only kids were empty."""
        node = self.document if node is None else node
        gone = []
        for kid in self.kids(node):
            if _is_elem(kid):
                self.remove_empty(kid)
                if not self.kids(kid) and kid.S != Name.Figure:
                    gone.append(kid)
        self.detach_all(gone)

    def fix_links(self):
        """One Link element per link, each annotation described by its link text."""
        siblings_of: dict = {}  # parent → (its element kids, index of each); one per parent
        merged = []
        for element in list(self.walk()):
            if element.S != Name.Link:
                continue
            key = element.P.objgen
            if key not in siblings_of:
                siblings = [k for k in self.kids(element.P) if _is_elem(k)]
                siblings_of[key] = (siblings, {k.objgen: i for i, k in enumerate(siblings)})
            siblings, index_of = siblings_of[key]
            index = index_of[element.objgen]  # links merged away come before: no shift after
            following = siblings[index + 1] if index + 1 < len(siblings) else None
            target = self.link_target(element)
            if following is not None and following.S == Name.Link \
                    and self.link_target(following) == target and target:
                moved = [self.move_kid(k, element, following) for k in self.kids(element)]
                # keep order: element's kids come first
                self.set_kids(following, moved + self.kids(following))
                merged.append(element)
        self.detach_all(merged)
        for element in self.walk():
            if element.S == Name.Link:
                text, target = self.element_text(element), self.link_target(element)
                description = text if not target or target in text else f"{text} ({target})"
                for kid in self.kids(element):
                    if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                        kid.Obj.Contents = pikepdf.String(description)

    def set_languages(self, languages):
        """Give /Lang to the elements whose whole text is a passage the model marks: the
        first passage, from where the last match left off, that an element's text equals."""
        wanted = [(" ".join(text.split()), lang) for text, lang in languages if text.strip()]
        by_text: dict[bool, dict[str, list[int]]] = {False: {}, True: {}}  # rtl → text → indices
        for index, (passage, lang) in enumerate(wanted):
            by_text[_rtl(lang)].setdefault(passage, []).append(index)
        position, memo = 0, {}
        for element in self.walk():
            if position >= len(wanted) or element.S not in (Name.Span, Name.P, Name.BlockQuote):
                continue
            found = []
            for rtl, indices_of in by_text.items():
                indices = indices_of.get(self.element_text(element, rtl, memo)) if indices_of else None
                if indices and indices[-1] >= position:
                    found.append(indices[bisect_left(indices, position)])
            if found:
                element.Lang = pikepdf.String(wanted[min(found)][1])
                position = min(found) + 1

    def add_actual_text_for_rtl(self):
        """Right-to-left text is painted in visual order: give each run whose reading order
        differs from its painted order an /ActualText in reading order, so assistive
        technology need not guess."""
        memo: dict = {}
        for element in self.walk():
            keys = [self.mcid_key(element, k) for k in self.kids(element)]
            keys = [k for k in keys if k is not None]
            if not keys:
                continue
            painted = "".join("".join(self.glyphs.get(k, ())) for k in keys).replace("\n", "")
            logical = self._raw_text(element, self.is_rtl(element), memo)
            if logical.replace("\n", "") != painted:
                element.ActualText = pikepdf.String(logical.replace("\n", " "))

    def mcid_key(self, element, kid):
        """(page, MCID) of a kid that is marked content, else None."""
        if isinstance(kid, int):
            return (self.page_of(element), int(kid))
        if isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
            return (self.page_index[kid.Pg.objgen], int(kid.MCID))
        return None

    def fix_figure_boxes(self):
        for element in self.walk():
            attributes = element.get("/A")
            if element.S != Name.Figure or not isinstance(attributes, Dictionary) \
                    or "/BBox" not in attributes:
                continue
            height = float(self.pdf.pages[self.page_of(element)].mediabox[3])
            x1, y1, x2, y2 = (float(v) * PX_TO_PT for v in attributes.BBox)
            attributes.BBox = Array([round(x1, 3), round(height - y2, 3),
                                     round(x2, 3), round(height - y1, 3)])

    def scope_table_headers(self):
        """TH gets /Scope (WeasyPrint writes /Headers on cells but no scope on headers)."""
        for element in self.walk():
            if element.S == Name.TH:
                attributes = element.get("/A")
                if not isinstance(attributes, Dictionary):
                    attributes = element.A = Dictionary(O=Name.Table)
                in_head = element.P.get("/P") is not None and element.P.P.get("/S") == Name.THead
                attributes.Scope = Name.Column if in_head else Name.Row

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


def _mark_artifacts(pdf, page, mcids: dict[int, Name]):
    """Rewrite `/Tag <</MCID n>> BDC` as `/Artifact <</Type /…>> BDC` for the given MCIDs."""
    instructions = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], Dictionary) \
                and "/MCID" in operands[1] and int(operands[1].MCID) in mcids:
            operands = [Name.Artifact, Dictionary(Type=mcids[int(operands[1].MCID)])]
        instructions.append(pikepdf.ContentStreamInstruction(operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
