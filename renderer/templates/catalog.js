/* The catalog's search (renderer): search, filter, sort and page through the articles with no
   server, from file:// too. The index (catalog-index.js) and lunr.js are loaded before this
   script; without them the form stays hidden and the static pages are the catalog. Every word
   shown comes from the page (#catalog-strings), in the catalog's language. */
(function () {
  "use strict";
  var PAGE_SIZE = 50;
  // The same words as the index (renderer/package/search.py, words()): NFKC, lower case, runs
  // of letters, marks and digits; scripts written without spaces as pairs of characters.
  var WORD = /[\p{L}\p{M}\p{N}_]+/gu;
  var UNSPACED = /[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

  function words(text) {
    var found = [];
    (text.normalize("NFKC").toLowerCase().match(WORD) || []).forEach(function (word) {
      if (UNSPACED.test(word) && word.length > 2) {
        for (var i = 0; i < word.length - 1; i++) found.push(word.slice(i, i + 2));
      } else {
        found.push(word);
      }
    });
    return found;
  }

  // Lunr's serialised index from the compact one: each term's postings are the field
  // vectors that hold it, so the inverted index is rebuilt from them.
  function expand(compact) {
    var inverted = compact.terms.map(function (term, i) {
      var posting = { _index: i };
      compact.fields.forEach(function (field) { posting[field] = {}; });
      return [term, posting];
    });
    var vectors = [];
    compact.fields.forEach(function (field) {
      compact.vectors[field].forEach(function (pairs, ref) {
        var elements = new Array(pairs.length);
        for (var i = 0; i < pairs.length; i += 2) {
          elements[i] = pairs[i];
          elements[i + 1] = pairs[i + 1] / 100;
          inverted[pairs[i]][1][field][ref] = {};
        }
        vectors.push([field + "/" + ref, elements]);
      });
    });
    return { version: lunr.version, fields: compact.fields, fieldVectors: vectors,
             invertedIndex: inverted, pipeline: [] };
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (attributes[name] !== null && attributes[name] !== undefined) {
        node.setAttribute(name, attributes[name]);
      }
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function start() {
    var data = window.catalogSearch, form = document.getElementById("catalog-search");
    var stringsNode = document.getElementById("catalog-strings");
    if (!data || !window.lunr || !form || !stringsNode) return;  // the static pages remain
    var strings = JSON.parse(stringsNode.textContent);
    var index = lunr.Index.load(expand(data.index));
    var root = document.documentElement, pageLang = root.lang, pageDir = root.dir || "ltr";
    var numbers = new Intl.NumberFormat(pageLang), plurals = new Intl.PluralRules(pageLang);
    var collator = new Intl.Collator(pageLang, { sensitivity: "base", numeric: true });
    var main = document.getElementById("main"), status = document.getElementById("catalog-status");
    var query = document.getElementById("catalog-query");
    var language = document.getElementById("catalog-language");
    var publisher = document.getElementById("catalog-publisher");
    var sort = document.getElementById("catalog-sort");
    var staticParts = Array.prototype.filter.call(main.children, function (node) {
      return node !== form && node !== status && node.tagName !== "SCRIPT";
    });

    function options(select, items) {
      items.forEach(function (item) { select.appendChild(element("option", { value: item[0] }, item[1])); });
      if (items.length < 2) select.parentNode.hidden = true;  // nothing to choose between
    }
    options(language, data.languages.map(function (l, i) { return [String(i), l.name]; }));
    var publisherOrder = data.publishers.map(function (name, i) { return [String(i), name]; });
    publisherOrder.sort(function (a, b) { return collator.compare(a[1], b[1]); });
    options(publisher, publisherOrder);

    // The results: a heading (where focus goes on a change of page), the list, the pages.
    var results = element("section", { id: "catalog-results", "aria-labelledby": "catalog-results-heading" });
    var heading = element("h2", { id: "catalog-results-heading", tabindex: "-1" }, strings.results);
    var list = element("ul", { "class": "catalog" });
    var nav = element("nav", { "class": "catalog-pages", "aria-label": strings.pages });
    results.appendChild(heading);
    results.appendChild(list);
    results.appendChild(nav);
    results.hidden = true;
    status.parentNode.insertBefore(results, status.nextSibling);

    var state = { page: 1, found: [] };

    function find() {
      var terms = words(query.value), last = terms.length - 1;
      var open = !/\s$/.test(query.value);  // still typing the last word: it may be a prefix
      var found;
      if (terms.length === 0) {
        found = data.docs.map(function (_, i) { return { ref: i, score: 0 }; });
      } else {
        found = index.query(function (q) {
          terms.forEach(function (term, i) {
            var prefix = i === last && open && term.length >= 3 && !UNSPACED.test(term);
            q.term(term, { presence: lunr.Query.presence.REQUIRED,
                           wildcard: prefix ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE });
            if (prefix) q.term(term, { boost: 10 });  // the whole word first
          });
        }).map(function (r) { return { ref: Number(r.ref), score: r.score }; });
      }
      var lang = language.value, pub = publisher.value;
      found = found.filter(function (r) {
        var doc = data.docs[r.ref];
        return (lang === "" || doc[6] === Number(lang)) && (pub === "" || doc[5] === Number(pub));
      });
      var order = sort.value === "relevance" && terms.length === 0 ? "newest" : sort.value;
      var compare = {
        relevance: function (a, b) { return b.score - a.score || a.ref - b.ref; },
        newest: function (a, b) { return byDate(b, a) || a.ref - b.ref; },
        oldest: function (a, b) { return byDate(a, b) || a.ref - b.ref; },
        title: function (a, b) { return collator.compare(data.docs[a.ref][1], data.docs[b.ref][1]) || a.ref - b.ref; }
      }[order];
      return found.sort(compare);
    }

    function byDate(a, b) {
      var x = data.docs[a.ref][3], y = data.docs[b.ref][3];
      return x < y ? -1 : x > y ? 1 : 0;
    }

    function entry(ref) {
      var doc = data.docs[ref], lang = data.languages[doc[6]];
      var turn = lang.dir !== pageDir;
      var item = element("li", { lang: lang.tag, dir: turn ? lang.dir : null });
      item.appendChild(element("h3", { id: "result-" + ref }, doc[1]));
      var facts = element("p", { "class": "catalog-facts", lang: pageLang, dir: turn ? pageDir : null });
      facts.appendChild(element("span", { "class": "label" }, strings.published));
      facts.appendChild(element("time", { datetime: doc[3] }, doc[4]));
      facts.appendChild(document.createTextNode(strings.sentence));
      facts.appendChild(element("span", { "class": "label" }, strings.publisher));
      facts.appendChild(document.createTextNode(data.publishers[doc[5]] + strings.sentence));
      facts.appendChild(element("span", { "class": "label" }, strings.language));
      var label = element("span");
      label.innerHTML = lang.label;  // the catalog's own markup: the name, its own name marked
      while (label.firstChild) facts.appendChild(label.firstChild);
      facts.appendChild(document.createTextNode(strings.end));
      item.appendChild(facts);
      if (doc[2]) item.appendChild(element("p", {}, doc[2]));
      var formats = element("ul", { "class": "formats", lang: pageLang, dir: turn ? pageDir : null,
                                    "aria-label": fill(strings.formats, { title: doc[1] }) });
      doc[7].forEach(function (file) {
        var li = element("li");
        var format = data.formats[file[0]];  // [suffix, name, media type]
        var link = element("a", { href: doc[0] + "/" + doc[0] + format[0], type: format[2],
                                  hreflang: lang.tag }, format[1]);
        link.appendChild(element("span", { "class": "visually-hidden" }, fill(strings.of, { title: doc[1] })));
        li.appendChild(link);
        li.appendChild(document.createTextNode(" (" + file[1] + ")"));
        formats.appendChild(li);
      });
      item.appendChild(formats);
      return item;
    }

    function pageButton(text, page, label, current) {
      var button = element("button", { type: "button", "aria-label": label || null,
                                        "aria-current": current ? "page" : null }, text);
      button.addEventListener("click", function () { show(page, true); });
      var li = element("li");
      li.appendChild(button);
      return li;
    }

    function pagination(count) {
      nav.textContent = "";
      nav.hidden = count < 2;
      if (count < 2) return;
      var ul = element("ul"), page = state.page, shown = [], previous = 0;
      if (page > 1) ul.appendChild(pageButton(strings.previous, page - 1));
      for (var n = 1; n <= count; n++) {
        if (n === 1 || n === count || Math.abs(n - page) <= 2) shown.push(n);
      }
      shown.forEach(function (n) {
        if (n - previous > 1) ul.appendChild(element("li", { "aria-hidden": "true" }, "…"));
        ul.appendChild(pageButton(numbers.format(n), n, fill(strings.page, { num: numbers.format(n) }), n === page));
        previous = n;
      });
      if (page < count) ul.appendChild(pageButton(strings.next, page + 1));
      nav.appendChild(ul);
    }

    // Show page `page` of the current results; `moveFocus` after a change of page only.
    function show(page, moveFocus) {
      var count = Math.max(1, Math.ceil(state.found.length / PAGE_SIZE));
      state.page = Math.min(Math.max(1, page), count);
      var part = state.found.slice((state.page - 1) * PAGE_SIZE, state.page * PAGE_SIZE);
      var fragment = document.createDocumentFragment();
      part.forEach(function (r) { fragment.appendChild(entry(r.ref)); });
      list.textContent = "";
      list.appendChild(fragment);
      list.hidden = part.length === 0;
      pagination(count);
      staticParts.forEach(function (node) { node.hidden = true; });
      results.hidden = false;
      if (moveFocus) {
        heading.focus();
        heading.scrollIntoView({ block: "start" });
      }
    }

    var announceTimer = null;
    function announce(delay) {
      clearTimeout(announceTimer);
      var n = state.found.length;
      var text = fill(strings.found[plurals.select(n)] || strings.found.other, { num: numbers.format(n) });
      // While typing, the count is said once the typing pauses, not at every letter.
      announceTimer = setTimeout(function () { status.textContent = text; }, delay);
    }

    var searchTimer = null;
    function update(delay) {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        state.found = find();
        show(1, false);
        announce(delay ? 600 : 0);
      }, delay);
    }

    query.addEventListener("input", function () { update(120); });
    [language, publisher, sort].forEach(function (select) {
      select.addEventListener("change", function () { update(0); });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();  // focus stays in the field; the count is said at once
      update(0);
    });
    // The list of languages links into the static list: following a link shows it again.
    Array.prototype.forEach.call(document.querySelectorAll(".catalog-languages a"), function (link) {
      link.addEventListener("click", function () {
        staticParts.forEach(function (node) { node.hidden = false; });
        results.hidden = true;
      });
    });
    form.hidden = false;
    root.setAttribute("data-search", "ready");
    window.catalogSearchReady = performance.now();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
