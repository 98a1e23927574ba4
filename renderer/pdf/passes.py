"""Repairs to the tag tree WeasyPrint 70 writes, so the PDF reads right in a screen reader.

WeasyPrint's tagging is close but not right (../shared/notes/pdf.md). Each pass (PASSES, in
order) fixes one documented fault and keeps MCIDs, /Pg and the ParentTree consistent:

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

from bisect import bisect_left
from itertools import islice

import pikepdf
from pikepdf import Array, Dictionary, Name

from .tree import Tree, _is_elem, _rtl

PX_TO_PT = 0.75
INLINE_WRAPPERS = {"/Span", "/Link", "/NonStruct"}
GROUPING = {Name.Document, Name.Part, Name.Art, Name.Sect, Name.Div, Name.BlockQuote}


def repair_tags(data: bytes, continued=(), languages=(), laid_out=None) -> pikepdf.Pdf:
    """The PDF with its tag tree repaired by each of PASSES in turn, open for further edits.

    `continued[n]` lists the PDF tags (outermost first) of the elements that run from page n
    to page n+1; `languages` is [(text, lang), …] in reading order, from the page;
    `laid_out` maps (page, MCID) to the text laid out there (unicode.recording).
    """
    tree = Tree(data, laid_out)
    inputs = {"continued": continued, "languages": languages}
    for step in PASSES:
        step(tree, **{name: inputs[name] for name in getattr(step, "needs", ())})
    return tree.finish()


def _needs(*names):
    """Mark a pass as taking these inputs (by keyword) besides the tree."""
    def mark(step):
        step.needs = names
        return step
    return mark


@_needs("continued")
def merge_continued(tree, continued):
    """`continued[n]` lists the PDF tags (outermost first) of the elements that run from page
    n to page n+1: each such chain becomes one element."""
    for page, tags in enumerate(continued):
        merge_across(tree, page, list(tags))


def artifact_orphans_and_decorative_figures(tree):
    """Margin boxes (WeasyPrint #1836) and decorative images (alt="") become artifacts."""
    decorative = [e for e in tree.walk() if e.S == Name.Figure and "/Alt" not in e]
    for element in decorative:
        for kid in tree.kids(element):
            if isinstance(kid, int):
                tree.artifacts[tree.page_of(element)][int(kid)] = Name.Layout
    tree.detach_all(decorative)
    reachable = {e.objgen for e in tree.walk()}
    for page in range(len(tree.pdf.pages)):
        for mcid, element in enumerate(tree.page_array(page)):
            if isinstance(element, Dictionary) and element.objgen not in reachable:
                tree.artifacts[page].setdefault(mcid, Name.Pagination)

def merge_across(tree, page: int, tags: list[str]):
    """Merge the chain of elements continued from `page` into the next page's chain."""
    document_kids = tree.kids(tree.document)
    if tree.tops_cache is None or tree.tops_cache[0] is not document_kids:
        tree.tops_cache = (document_kids,
                      [(tree.page_of(k), k) for k in document_kids if _is_elem(k)])
    tops = tree.tops_cache[1]
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
            drop_repeated_header(tree, end, start)
        first_kid = next((k for k in tree.kids(start) if _is_elem(k)), None)
        previous = next((k for k in reversed(tree.kids(end)) if _is_elem(k)), None)
        tree.absorb(end, start)
        if first_kid is None or previous is None:
            break
        end, start = previous, first_kid  # the last element before the break, the first after
    now = tree.kids(tree.document)
    if now is not document_kids:  # the first absorb dropped `top` from the Document
        dropped_top = len(now) == len(document_kids) - 1 and all(k is not top for k in now)
        tree.tops_cache = (now, [t for t in tops if t[1] is not top]) if dropped_top else None

def drop_repeated_header(tree, table, continuation):
    """A THead WeasyPrint repeats on a continuation page is an artifact there; the cells
    of the continuation point at the first page's header cells instead."""
    repeated = [str(e.ID) for e in tree.walk(continuation) if e.S == Name.TH and "/ID" in e]
    ids = [str(e.ID) for e in islice((e for e in tree.walk(table)
                                      if e.S == Name.TH and "/ID" in e), len(repeated))]
    renamed = dict(zip(repeated, ids))
    for cell in tree.walk(continuation):
        attributes = cell.get("/A")
        if cell.S == Name.TD and isinstance(attributes, Dictionary) and "/Headers" in attributes:
            attributes.Headers = Array([pikepdf.String(renamed.get(str(h), str(h)))
                                        for h in attributes.Headers])
    for kid in tree.kids(continuation):
        if _is_elem(kid) and kid.S == Name.THead:
            for element in [kid] + list(tree.walk(kid)):
                for mcid in tree.kids(element):
                    if isinstance(mcid, int):
                        tree.artifacts[tree.page_of(element)][int(mcid)] = Name.Pagination
            tree.detach(kid)

def group_figures(tree):
    """A `<figure>` (a NonStruct holding a Caption) becomes a Div grouping it."""
    for element in list(tree.walk()):
        types = [k.S for k in tree.kids(element) if _is_elem(k)]
        # A figure without an image (not preserved: a Div frame) keeps its Caption too.
        if element.S == Name.NonStruct and Name.Caption in types:
            element.S = Name.Div

def unwrap_nonstruct(tree, parent=None):
    """Replace each NonStruct by its kids (it means nothing to a reader), except that a
    run of text standing alone at block level (a `<summary>`, say) becomes a paragraph.
    In reading order, parents first; each parent's kids are rebuilt once."""
    parent = tree.document if parent is None else parent
    pending = list(reversed(tree.kids(parent)))  # a stack: the next kid is last
    kept, changed = [], False
    while pending:
        kid = pending.pop()
        if not _is_elem(kid):
            kept.append(kid)
            continue
        if kid.S == Name.NonStruct and not (parent.get("/S") in GROUPING and all(
                not _is_elem(k) or str(k.S) in INLINE_WRAPPERS for k in tree.kids(kid))):
            moved = [tree.move_kid(k, kid, parent) for k in tree.kids(kid)]
            pending.extend(reversed(moved))  # its kids take its place, and are looked at
            changed = True
            continue
        if kid.S == Name.NonStruct:
            kid.S = Name.P
        kept.append(kid)
        unwrap_nonstruct(tree, kid)
    if changed:
        tree.set_kids(parent, kept)

def fix_lists(tree):
    """One LBody per item, holding its stray kids and the list nested in it."""
    for element in list(tree.walk()):
        if element.S == Name.LI:
            bodies = [k for k in tree.kids(element) if _is_elem(k) and k.S == Name.LBody]
            for extra in bodies[1:]:  # an item split over a page break has two bodies
                tree.absorb(bodies[0], extra)
            stray = [k for k in tree.kids(element)
                     if not (_is_elem(k) and k.S in (Name.Lbl, Name.LBody))]
            if stray:
                body = body_of(tree, element)
                moved = [tree.move_kid(k, element, body) for k in stray]
                tree.set_kids(body, moved + tree.kids(body))
                tree.set_kids(element, [k for k in tree.kids(element)
                                        if _is_elem(k) and k.S in (Name.Lbl, Name.LBody)])
    for element in list(tree.walk()):
        if element.S == Name.L:
            kids = tree.kids(element)
            nested = []  # (a list nested in an item, that item's body)
            for i, kid in enumerate(kids):
                if _is_elem(kid) and kid.S == Name.L and i > 0 and _is_elem(kids[i - 1]) \
                        and kids[i - 1].S == Name.LI:
                    body = body_of(tree, kids[i - 1])
                    nested.append((kid, body))
                    tree.set_kids(body, tree.kids(body) + [kid])
            tree.detach_all(kid for kid, _ in nested)  # finds each one's parent by /P
            for kid, body in nested:
                kid.P = body

def body_of(tree, item):
    """The LBody of a list item, made if it has none."""
    for kid in tree.kids(item):
        if _is_elem(kid) and kid.S == Name.LBody:
            return kid
    body = tree.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.LBody, P=item,
                                             Pg=item.Pg, K=Array()))
    tree.set_kids(item, tree.kids(item) + [body])
    return body

def remove_empty(tree, node=None):
    """Drop elements left without kids (Figures aside), innermost first, so that one
    pass also drops an element whose only kids were empty."""
    node = tree.document if node is None else node
    gone = []
    for kid in tree.kids(node):
        if _is_elem(kid):
            remove_empty(tree, kid)
            if not tree.kids(kid) and kid.S != Name.Figure:
                gone.append(kid)
    tree.detach_all(gone)

def fix_links(tree):
    """One Link element per link, each annotation described by its link text."""
    siblings_of: dict = {}  # parent → (its element kids, index of each); one per parent
    merged = []
    for element in list(tree.walk()):
        if element.S != Name.Link:
            continue
        key = element.P.objgen
        if key not in siblings_of:
            siblings = [k for k in tree.kids(element.P) if _is_elem(k)]
            siblings_of[key] = (siblings, {k.objgen: i for i, k in enumerate(siblings)})
        siblings, index_of = siblings_of[key]
        index = index_of[element.objgen]  # links merged away come before: no shift after
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        target = tree.link_target(element)
        if following is not None and following.S == Name.Link \
                and tree.link_target(following) == target and target:
            moved = [tree.move_kid(k, element, following) for k in tree.kids(element)]
            # keep order: element's kids come first
            tree.set_kids(following, moved + tree.kids(following))
            merged.append(element)
    tree.detach_all(merged)
    for element in tree.walk():
        if element.S == Name.Link:
            text, target = tree.element_text(element), tree.link_target(element)
            description = text if not target or target in text else f"{text} ({target})"
            for kid in tree.kids(element):
                if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                    kid.Obj.Contents = pikepdf.String(description)

@_needs("languages")
def set_languages(tree, languages):
    """Give /Lang to the elements whose whole text is a passage the model marks: the
    first passage, from where the last match left off, that an element's text equals."""
    wanted = [(" ".join(text.split()), lang) for text, lang in languages if text.strip()]
    by_text: dict[bool, dict[str, list[int]]] = {False: {}, True: {}}  # rtl → text → indices
    for index, (passage, lang) in enumerate(wanted):
        by_text[_rtl(lang)].setdefault(passage, []).append(index)
    position, memo = 0, {}
    for element in tree.walk():
        if position >= len(wanted) or element.S not in (Name.Span, Name.P, Name.BlockQuote):
            continue
        found = []
        for rtl, indices_of in by_text.items():
            indices = indices_of.get(tree.element_text(element, rtl, memo)) if indices_of else None
            if indices and indices[-1] >= position:
                found.append(indices[bisect_left(indices, position)])
        if found:
            element.Lang = pikepdf.String(wanted[min(found)][1])
            position = min(found) + 1

def add_actual_text_for_rtl(tree):
    """Right-to-left text is painted in visual order: give each run whose reading order
    differs from its painted order an /ActualText in reading order, so assistive
    technology need not guess."""
    memo: dict = {}
    for element in tree.walk():
        keys = [tree.mcid_key(element, k) for k in tree.kids(element)]
        keys = [k for k in keys if k is not None]
        if not keys:
            continue
        painted = "".join("".join(tree.glyphs.get(k, ())) for k in keys).replace("\n", "")
        logical = tree._raw_text(element, tree.is_rtl(element), memo)
        if logical.replace("\n", "") != painted:
            # a "\n" in front stands for the space lost before this element: not its text
            element.ActualText = pikepdf.String(logical.lstrip("\n").replace("\n", " "))

def fix_figure_boxes(tree):
    """A Figure's /BBox, in CSS px from the top, becomes PDF points from the bottom."""
    for element in tree.walk():
        attributes = element.get("/A")
        if element.S != Name.Figure or not isinstance(attributes, Dictionary) \
                or "/BBox" not in attributes:
            continue
        height = float(tree.pdf.pages[tree.page_of(element)].mediabox[3])
        x1, y1, x2, y2 = (float(v) * PX_TO_PT for v in attributes.BBox)
        attributes.BBox = Array([round(x1, 3), round(height - y2, 3),
                                 round(x2, 3), round(height - y1, 3)])

def scope_table_headers(tree):
    """TH gets /Scope (WeasyPrint writes /Headers on cells but no scope on headers)."""
    for element in tree.walk():
        if element.S == Name.TH:
            attributes = element.get("/A")
            if not isinstance(attributes, Dictionary):
                attributes = element.A = Dictionary(O=Name.Table)
            in_head = element.P.get("/P") is not None and element.P.P.get("/S") == Name.THead
            attributes.Scope = Name.Column if in_head else Name.Row


PASSES = [
    artifact_orphans_and_decorative_figures,
    merge_continued,
    group_figures,
    unwrap_nonstruct,
    fix_lists,
    remove_empty,
    fix_links,
    set_languages,
    add_actual_text_for_rtl,
    fix_figure_boxes,
    scope_table_headers,
]
