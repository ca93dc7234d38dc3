// Winnow inspector: calls only the public API (POST v1/clean, GET v1/labels) on this server.
// User text reaches the DOM only through textContent and text nodes, never as markup.
"use strict";

(function () {
  const KNOWN = ["content", "title", "paywall", "ad", "image", "copyright", "navigation", "social",
    "newsletter", "cookie", "related", "comments", "markup", "boilerplate"];
  const $ = (id) => document.getElementById(id);
  const form = $("form");
  const source = $("source");
  const cleanButton = $("clean");
  const status = $("status");
  const problemBox = $("problem");
  const result = $("result");
  const highlighted = $("highlighted");
  const detail = $("detail");
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  const number = new Intl.NumberFormat("en");

  // label metadata from GET v1/labels; the fallback keeps the page usable if that call fails
  let labelInfo = new Map(KNOWN.map((name) => [name, {
    description: "", kept: name === "content" || name === "title"}]));
  let current = null;  // {answer, input, marksByLabel}

  fetch("v1/labels", {headers: {Accept: "application/json"}})
    .then((resp) => (resp.ok ? resp.json() : null))
    .then((body) => {
      if (body && Array.isArray(body.labels)) {
        labelInfo = new Map(body.labels.map((l) => [l.label, {
          description: l.description || "", kept: !!l.kept_by_default}]));
      }
    })
    .catch(() => {});

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    node.append(...children);  // strings become text nodes
    return node;
  }

  // A CSS class only from a known label: anything else the server says gets the neutral colour.
  function labelClass(label) {
    return KNOWN.includes(label) ? "lbl-" + label : "lbl-unknown";
  }

  function labelOrder(a, b) {
    const order = Array.from(labelInfo.keys());
    const ia = order.indexOf(a), ib = order.indexOf(b);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib) || (a < b ? -1 : a > b ? 1 : 0);
  }

  function isKept(span) {
    if (typeof span.kept === "boolean") return span.kept;
    const info = labelInfo.get(span.label);
    return !!(info && info.kept);
  }

  function setStatus(message) {
    status.textContent = message;
  }

  function showProblem(title, detailText) {
    $("problem-title").textContent = title;
    $("problem-detail").textContent = detailText || "";
    problemBox.hidden = false;
    result.hidden = true;
  }

  // RFC 9457 problem+json when the API sent one; otherwise whatever the status line says.
  async function problemFrom(resp) {
    let body = null;
    try {
      body = await resp.json();
    } catch (err) {
      body = null;
    }
    if (body && typeof body === "object" && (body.title || body.detail)) {
      return {title: `${body.title || "Error"} (${body.status || resp.status})`, detail: String(body.detail || "")};
    }
    return {title: `HTTP ${resp.status} ${resp.statusText}`.trim(), detail: "The service did not explain the error."};
  }

  async function clean() {
    const kind = form.elements.kind.value === "html" ? "html" : "text";
    const input = source.value;
    if (input.length === 0) {
      showProblem("Nothing to clean", "Paste text or HTML, or drop a file, then press Clean.");
      source.focus();
      return;
    }
    problemBox.hidden = true;
    cleanButton.disabled = true;
    setStatus("Cleaning\u2026");
    try {
      const resp = await fetch("v1/clean", {
        method: "POST",
        headers: {"Content-Type": "application/json", Accept: "application/json, application/problem+json"},
        body: JSON.stringify({[kind]: input, options: {offsets: "utf16", spans: true}}),
      });
      if (!resp.ok) {
        const p = await problemFrom(resp);
        showProblem(p.title, p.detail);
        setStatus("");
        return;
      }
      const answer = await resp.json();
      // for HTML the spans index the rendered text, not the markup that was sent
      show(answer, kind === "html" ? String(answer.input_text || "") : input);
      setStatus("");
    } catch (err) {
      showProblem("Could not reach the service", String(err && err.message ? err.message : err));
      setStatus("");
    } finally {
      cleanButton.disabled = false;
    }
  }

  function show(answer, input) {
    const spans = Array.isArray(answer.spans) ? answer.spans : [];
    const marksByLabel = new Map();
    const frag = document.createDocumentFragment();
    let pos = 0;
    spans.forEach((span, index) => {
      const start = Math.max(pos, span.start), end = span.end;
      if (start > pos) frag.append(document.createTextNode(input.slice(pos, start)));
      if (end <= start) return;
      const mark = el("mark", {className: "span " + labelClass(span.label), tabIndex: 0},
        input.slice(start, end));
      mark.dataset.index = String(index);
      mark.dataset.label = String(span.label);
      if (!marksByLabel.has(span.label)) marksByLabel.set(span.label, []);
      marksByLabel.get(span.label).push(mark);
      frag.append(mark);
      pos = end;
    });
    if (pos < input.length) frag.append(document.createTextNode(input.slice(pos)));
    highlighted.replaceChildren(frag);
    current = {answer, input, marksByLabel};

    renderSummary(answer, spans);
    renderLegend(spans, marksByLabel);
    resetDetail();
    $("clean-text").textContent = typeof answer.text === "string" ? answer.text : "";
    $("json").textContent = JSON.stringify(answer, null, 2);
    $("copy-status").textContent = "";
    result.hidden = false;
    selectTab($("tab-input"), false);
  }

  function renderSummary(answer, spans) {
    const stats = answer.stats || {};
    const removed = stats.removed_chars_by_label || {};
    const total = Object.values(removed).reduce((a, b) => a + b, 0);
    const chars = stats.chars_in || 0;
    const share = chars ? ` (${Math.round((100 * total) / chars)}%)` : "";
    const items = Object.keys(removed).sort(labelOrder).map((label) => el("span", {className: "item"},
      el("span", {className: "swatch " + labelClass(label)}), ` ${label} ${number.format(removed[label])}`));
    const flag = el("span", {className: "flag " + (answer.paywalled ? "yes" : "no"), id: "paywalled"},
      answer.paywalled ? "yes" : "no");
    $("summary").replaceChildren(
      `Removed ${number.format(total)} of ${number.format(chars)} characters${share}`,
      items.length ? ": " : ". ", ...items,
      el("span", {className: "item"}, "\u00b7 paywalled: ", flag),
      el("span", {className: "item"}, `\u00b7 ${number.format(spans.length)} spans`));
  }

  function renderLegend(spans, marksByLabel) {
    const items = Array.from(marksByLabel.keys()).sort(labelOrder).map((label) => {
      const info = labelInfo.get(label);
      const box = el("input", {type: "checkbox", checked: true});
      box.dataset.label = String(label);
      box.addEventListener("change", () => toggleLabel(label, box.checked));
      const count = marksByLabel.get(label).length;
      const text = el("span", {className: "name"}, String(label));
      const item = el("label", {title: info && info.description ? info.description : ""},
        box, el("span", {className: "swatch " + labelClass(label)}), text,
        el("span", {className: "count"}, `${count} span${count === 1 ? "" : "s"}`));
      return el("li", null, item);
    });
    $("legend-items").replaceChildren(...items);
  }

  // Hidden labels lose their colour and their tab stop, so Tab walks only what is shown.
  function toggleLabel(label, on) {
    for (const mark of current.marksByLabel.get(label) || []) {
      mark.classList.toggle("off", !on);
      mark.tabIndex = on ? 0 : -1;
    }
  }

  function resetDetail() {
    detail.replaceChildren(el("p", {className: "hint"},
      "Hover or focus a highlighted span to see its label, tagger, rule and score."));
  }

  function describe(mark) {
    if (!current || mark.classList.contains("off")) return;
    const span = current.answer.spans[Number(mark.dataset.index)];
    if (!span) return;
    highlighted.querySelectorAll("mark.current").forEach((m) => m.classList.remove("current"));
    mark.classList.add("current");
    const row = (name, value) => [el("dt", null, name), el("dd", {className: "v-" + name}, value)];
    const label = el("span", null, el("span", {className: "swatch " + labelClass(span.label)}), " " + span.label);
    const info = labelInfo.get(span.label);
    detail.replaceChildren(el("dl", null,
      ...row("label", label),
      ...row("tagger", String(span.tagger)),
      ...row("rule", span.rule == null ? "(none)" : String(span.rule)),
      ...row("score", String(span.score)),
      ...row("offsets", `${span.start}\u2013${span.end} (UTF-16)`),
      ...row("kept", isKept(span) ? "yes: in the clean text" : "no: removed"),
      ...(info && info.description ? row("means", info.description) : [])));
  }

  highlighted.addEventListener("mouseover", (e) => {
    const mark = e.target.closest("mark.span");
    if (mark) describe(mark);
  });
  highlighted.addEventListener("focusin", (e) => {
    const mark = e.target.closest("mark.span");
    if (mark) describe(mark);
  });

  function selectTab(tab, focus) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab, true));
    tab.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(tab);
      const next = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1}[e.key];
      if (next === undefined) return;
      e.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length], true);
    });
  }

  $("copy").addEventListener("click", async () => {
    const text = $("json").textContent;
    const done = $("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      done.textContent = "Copied.";
    } catch (err) {
      // no clipboard permission: select the JSON so Ctrl+C copies it
      const range = document.createRange();
      range.selectNodeContents($("json"));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      done.textContent = "Selected: press Ctrl+C to copy.";
    }
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clean();
  });
  source.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      clean();
    }
  });

  // Files, dropped or opened, are read here in the browser; the kind follows the file's type.
  async function load(file) {
    if (!file) return;
    source.value = await file.text();
    const html = /\.html?$/i.test(file.name) || file.type === "text/html";
    form.elements.kind.value = html ? "html" : "text";
    setStatus(`Loaded ${file.name} (${number.format(source.value.length)} characters).`);
  }
  $("file").addEventListener("change", (e) => load(e.target.files[0]));
  source.addEventListener("dragover", (e) => {
    if (e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files")) {
      e.preventDefault();
      source.classList.add("dragging");
    }
  });
  source.addEventListener("dragleave", () => source.classList.remove("dragging"));
  source.addEventListener("drop", (e) => {
    source.classList.remove("dragging");
    if (e.dataTransfer && e.dataTransfer.files.length) {
      e.preventDefault();
      load(e.dataTransfer.files[0]);
    }
  });
})();
