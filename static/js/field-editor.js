// The field editor (templates/contracts/_field_editor.html): the offeror places the fields each
// party signs, seals or fills in on the PDF's pages, before creating a contract or saving a
// template. The pages are drawn with the vendored pdf.js as in pdf-viewer.js; each field is a box
// over its page. The fields are kept in PDF points (the page's default user space, origin at the
// bottom left), converted with the page's pdf.js viewport both ways, so zooming, rotated pages
// and MediaBoxes not starting at 0 need nothing more. After every change the JSON the server
// takes (econtract/contracts/placed_fields.py) is written into the hidden input.
//
// Mouse: drag a type from the palette onto a page, or click a type then a spot. Touch: tap a
// type, then a spot; a tap selects a field, and only the selected field takes the finger
// (touch-action: none), so the pages still scroll under the others. Keyboard: a palette button
// puts its field in the middle of the page in view; arrows move the selected field, Delete
// removes it. All texts come translated from the template (data-texts).

import { absolute, format, openDocument, parseJson } from "./pdf-library.js";
import { drawPage, pageCanvas, whenResized, zoomed } from "./pdf-viewer.js";

const TYPES = ["signature", "seal", "date_signed", "name", "text", "textarea", "date", "checkbox", "choice"];
// Default sizes in points, as seen on the page. A Chinese seal is round, 42 mm ≈ 119 pt.
const SIZES = {
  signature: [160, 60],
  seal: [120, 120],
  date_signed: [110, 20],
  name: [110, 20],
  text: [180, 20],
  textarea: [240, 60],
  date: [110, 20],
  checkbox: [14, 14],
  choice: [140, 20],
};
const SIGNING = new Set(["signature", "seal"]);
const FILLABLE = new Set(["text", "textarea", "date", "checkbox", "choice"]); // "required" means something
const MAPPABLE = new Set(["text", "textarea", "date", "choice"]); // may supply a contract element
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/; // as the server checks them
const MIN_SIDE = 10; // points
const INSIDE_TOLERANCE = 0.5; // points, as the server allows
const COLOURS = ["#b42318", "#1d4ed8", "#047857", "#b45309", "#7e22ce", "#0e7490", "#be185d", "#4d7c0f"];
const NO_PARTY_COLOUR = "#6b7280";
const PARTIES_DELAY_MS = 250;
const DRAG_THRESHOLD_PX = 4; // less is a click, not a drag

const round2 = (value) => Math.round(value * 100) / 100;
const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

// A PDF rectangle as a box in CSS px on a page drawn at `viewport` (pdf.js 6 has no
// convertToViewportRectangle any more: two corners, then the smaller of each).
function viewportBox(viewport, rect) {
  const [ax, ay] = viewport.convertToViewportPoint(rect[0], rect[1]);
  const [bx, by] = viewport.convertToViewportPoint(rect[2], rect[3]);
  return { left: Math.min(ax, bx), top: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) };
}

// The way back: a box in CSS px as [x1, y1, x2, y2] in PDF points, x1 < x2 and y1 < y2.
function pdfRect(viewport, box) {
  const [ax, ay] = viewport.convertToPdfPoint(box.left, box.top);
  const [bx, by] = viewport.convertToPdfPoint(box.left + box.width, box.top + box.height);
  return [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)].map(round2);
}

// CSS px per PDF unit (a page may declare a UserUnit larger than a point).
const pxPerUnit = (viewport) => viewport.scale * (viewport.userUnit || 1);

// A box kept on its page: no larger than the page, moved back inside it.
function keepOnPage(box, viewport) {
  const width = Math.min(box.width, viewport.width);
  const height = Math.min(box.height, viewport.height);
  return {
    left: clamp(box.left, 0, viewport.width - width),
    top: clamp(box.top, 0, viewport.height - height),
    width,
    height,
  };
}

function setBox(element, box) {
  element.style.left = `${box.left}px`;
  element.style.top = `${box.top}px`;
  element.style.width = `${box.width}px`;
  element.style.height = `${box.height}px`;
}

// Follow the pointer outside the element too (a pointer the browser does not track, as a
// script's made-up event, cannot be captured: the events then come as they are).
function capture(element, pointerId) {
  try {
    element.setPointerCapture(pointerId);
  } catch {
    /* not an active pointer */
  }
}

function overlap(a, b) {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

// What the server takes, in its order; the type decides which properties mean anything.
function serialise(field) {
  return {
    name: field.name,
    type: field.type,
    signatory: field.signatory,
    page: field.page,
    rect: field.rect.map(round2),
    required: FILLABLE.has(field.type) ? field.required : true,
    label: field.label.trim(),
    options: field.type === "choice" ? field.options : [],
    element: MAPPABLE.has(field.type) ? field.element : "",
    paging_seal: field.type === "seal" && field.paging_seal,
  };
}

function newName(type, fields) {
  const pattern = new RegExp(`^${type}_(\\d+)$`);
  let highest = 0;
  for (const field of fields) {
    const match = pattern.exec(field.name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return `${type}_${highest + 1}`;
}

// The fields given (editor_initial), cleaned up: unknown types and broken rectangles dropped,
// missing or repeated names replaced.
function normalise(raw) {
  const fields = [];
  for (const item of Array.isArray(raw) ? raw : []) {
    if (!item || !TYPES.includes(item.type) || !Array.isArray(item.rect) || item.rect.length !== 4) continue;
    const [x1, y1, x2, y2] = item.rect.map(Number);
    if (![x1, y1, x2, y2].every(Number.isFinite)) continue;
    const field = {
      name: String(item.name || ""),
      type: item.type,
      signatory: String(item.signatory ?? ""),
      page: Math.max(1, Number.parseInt(item.page, 10) || 1),
      rect: [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)],
      required: item.required !== false,
      label: String(item.label || ""),
      options: Array.isArray(item.options) ? item.options.map(String) : [],
      element: String(item.element || ""),
      paging_seal: Boolean(item.paging_seal),
    };
    if (!NAME.test(field.name) || fields.some((other) => other.name === field.name)) {
      field.name = newName(field.type, fields);
    }
    fields.push(field);
  }
  return fields;
}

function optionsOf(text) {
  return [...new Set(text.split("\n").map((line) => line.trim()).filter(Boolean))];
}

class FieldEditor {
  constructor(root) {
    this.root = root;
    this.data = root.dataset;
    this.texts = parseJson(this.data.texts, {});
    this.types = parseJson(this.data.types, {});
    const find = (selector) => root.querySelector(selector);
    this.output = find("[data-editor-output]");
    this.pagesBox = find("[data-editor-pages]");
    this.partySelect = find("[data-editor-party]");
    this.palette = [...root.querySelectorAll("[data-editor-palette] [data-type]")];
    this.status = find("[data-editor-status]");
    this.errorBox = find("[data-editor-error]");
    this.armedBox = find("[data-editor-armed]");
    this.pageCount = find("[data-editor-page-count]");
    this.props = find("[data-editor-props]");
    this.summary = find("[data-editor-summary]");
    this.warnings = find("[data-editor-warnings]");
    this.prop = (name) => this.props.querySelector(`[data-prop="${name}"]`);
    this.parties = parseJson(this.data.parties, []).map((party) => ({
      key: String(party.key),
      label: String(party.label || party.key),
      kind: String(party.kind || ""),
    }));
    this.offeror = this.parties[0] || null; // kept first when the parties are rebuilt
    this.fields = normalise(parseJson(this.data.initial, []));
    this.elements = new Map(); // field name → its box on the page
    this.pdfPages = []; // pdf.js pages of the document shown
    this.pages = []; // drawn: { page, viewport, box, canvas, layer }
    this.selected = null; // a field's name
    this.armed = null; // a type waiting for a tap on a page
    this.drag = null;
    this.paletteDrag = null;
    this.zoom = 1;
    this.openRun = 0;
    this.renderRun = 0;
    this.lastWidth = 0;
    this.loadingTask = null;
  }

  start() {
    this.fillElementSelect();
    this.fillPartySelect();
    this.listenPalette();
    this.listenPages();
    this.listenProps();
    this.listenZoom();
    this.root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.armed) this.arm(null);
    });
    const source = this.sourceInput();
    if (source) source.addEventListener("change", () => this.openSource());
    this.listenPartiesInput();
    this.commit();
    this.openSource();
  }

  // --- the document -------------------------------------------------------------------------

  sourceInput() {
    return this.data.sourceInput ? document.getElementById(this.data.sourceInput) : null;
  }

  // The file chosen in the form's file input, else the PDF at editor_pdf_url, else nothing yet.
  openSource() {
    const input = this.sourceInput();
    const file = input && input.files && input.files[0];
    if (file) return this.open(async () => ({ data: new Uint8Array(await file.arrayBuffer()) }));
    if (this.data.pdfUrl) return this.open(async () => ({ url: absolute(this.data.pdfUrl), withCredentials: true }));
    this.openRun += 1;
    this.closeDocument();
    this.setState("empty");
    return null;
  }

  closeDocument() {
    if (this.loadingTask) this.loadingTask.destroy();
    this.loadingTask = null;
    this.pdfPages = [];
    this.pages = [];
    this.pagesBox.replaceChildren();
    this.pageCount.textContent = "";
    this.summarise();
  }

  async open(getSource) {
    const run = ++this.openRun;
    this.setState("loading");
    try {
      const source = await getSource();
      if (run !== this.openRun) return;
      this.closeDocument();
      const { task } = await openDocument(this.data, source);
      if (run !== this.openRun) {
        task.destroy(); // another file was chosen meanwhile
        return;
      }
      this.loadingTask = task;
      const pdf = await task.promise;
      const pages = [];
      for (let number = 1; number <= pdf.numPages; number += 1) pages.push(await pdf.getPage(number));
      if (run !== this.openRun) return;
      this.pdfPages = pages;
      this.pageCount.textContent = format(this.texts.pages, { count: pages.length });
      if (!(await this.render())) return;
      if (run !== this.openRun) return;
      this.setState("ready");
      this.summarise(); // the page checks need the pages
    } catch (error) {
      if (run === this.openRun) this.fail(error);
    }
  }

  setState(state) {
    this.root.dataset.state = state;
    this.root.setAttribute("aria-busy", String(state === "loading"));
    this.status.textContent = state === "empty" ? this.texts.empty : state === "loading" ? this.texts.loading : "";
    if (state !== "error") this.errorBox.hidden = true;
    this.root.querySelectorAll("[data-editor-zoom]").forEach((button) => {
      button.disabled = state !== "ready";
    });
  }

  fail(error) {
    this.setState("error");
    const detail = error && error.message ? error.message : String(error);
    this.errorBox.textContent = `${this.texts.error || ""} ${detail}`.trim();
    this.errorBox.hidden = false;
  }

  // Draws every page to fit the width (times the zoom). The first time the pages show at once
  // and fill in; later (zoom, resize) the old pages stay until the new ones are drawn.
  // Returns false when a newer drawing took over.
  async render() {
    const run = ++this.renderRun;
    const width = this.pagesBox.clientWidth;
    this.lastWidth = width;
    const ratio = window.devicePixelRatio || 1;
    const pages = this.pdfPages.map((page, index) => {
      const fit = page.getViewport({ scale: 1 }).width;
      const viewport = page.getViewport({ scale: (width > 0 ? width / fit : 1) * this.zoom });
      const box = document.createElement("div");
      box.className = "field-editor__page";
      box.setAttribute("data-testid", "editor-page");
      box.dataset.pageNumber = String(index + 1);
      box.style.width = `${viewport.width}px`;
      box.style.height = `${viewport.height}px`;
      const canvas = pageCanvas(viewport, ratio);
      const layer = document.createElement("div");
      layer.className = "field-editor__layer";
      box.append(canvas, layer);
      return { page, viewport, box, canvas, layer };
    });
    const first = this.pages.length === 0;
    if (first) this.show(pages);
    for (const { page, viewport, canvas } of pages) {
      try {
        await drawPage(page, canvas, viewport, ratio);
      } catch (error) {
        if (run !== this.renderRun) return false; // that document was closed
        throw error;
      }
      if (run !== this.renderRun) return false;
    }
    if (!first) this.show(pages);
    return true;
  }

  show(pages) {
    const focused = this.selected && this.elements.get(this.selected) === document.activeElement;
    this.pages = pages;
    this.pagesBox.replaceChildren(...pages.map((page) => page.box));
    for (const field of this.fields) this.place(field);
    if (focused) this.elements.get(this.selected).focus({ preventScroll: true });
  }

  listenZoom() {
    this.root.querySelectorAll("[data-editor-zoom]").forEach((button) => {
      button.addEventListener("click", () => {
        this.zoom = zoomed(this.zoom, button.dataset.editorZoom);
        this.rerender();
      });
    });
    // A turned phone, a resized window: fit the new width.
    whenResized(this.pagesBox, () => {
      if (this.pagesBox.clientWidth !== this.lastWidth && this.pdfPages.length) this.rerender();
    });
  }

  rerender() {
    if (this.root.dataset.state !== "ready") return;
    const run = this.openRun;
    this.render().catch((error) => {
      if (run === this.openRun) this.fail(error);
    });
  }

  // --- parties ------------------------------------------------------------------------------

  party(key) {
    return this.parties.find((party) => party.key === key) || null;
  }

  colour(key) {
    const index = this.parties.findIndex((party) => party.key === key);
    return index < 0 ? NO_PARTY_COLOUR : COLOURS[index % COLOURS.length];
  }

  isFirst(key) {
    return this.parties.length > 0 && this.parties[0].key === key;
  }

  // 甲方, 乙方, … then 第11方: from the template, as the server names the parties.
  designation(index) {
    const names = String(this.data.designations || "").split(",").map((name) => name.trim());
    return names[index] || format(this.data.designationNth, { n: index + 1 });
  }

  // editor_parties_input: the offeror first, then one party per non-empty line (乙方, 丙方, …).
  // The rebuild changes the summary's and the warnings' height, which moves everything below
  // the editor: made between a press and its release (the list's "change" fires as the press
  // takes the focus away), it moved the form's button from under the pointer and the click
  // was lost. So nothing is rebuilt while a pointer is down, only once its click has gone by,
  // and nothing at all when the parties are the ones shown.
  listenPartiesInput() {
    const input = this.data.partiesInput ? document.getElementById(this.data.partiesInput) : null;
    if (!input) return;
    let shown = null;
    let pressed = false;
    let pending = false;
    const rebuild = () => {
      const lines = input.value.split("\n").map((line) => line.trim()).filter(Boolean);
      const key = lines.join("\n");
      if (key === shown) return;
      shown = key;
      const others = lines.map((line, index) => ({
        key: String(index + 2),
        label: `${this.designation(index + 1)} · ${line}`,
        kind: "",
      }));
      this.parties = [...(this.offeror ? [this.offeror] : []), ...others];
      this.fillPartySelect();
      for (const field of this.fields) this.decorate(field);
      this.showProps();
      this.commit();
    };
    const soon = () => {
      if (pressed) pending = true;
      else rebuild();
    };
    document.addEventListener("pointerdown", () => {
      pressed = true;
    }, true);
    const released = () => {
      pressed = false;
      if (!pending) return;
      pending = false;
      setTimeout(rebuild, 0); // after the click that follows the release
    };
    document.addEventListener("pointerup", released, true);
    document.addEventListener("pointercancel", released, true);
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(soon, PARTIES_DELAY_MS);
    });
    input.addEventListener("change", soon);
    // A form shown again (an error, the back button) may already list parties the server's
    // list does not have yet.
    const lines = input.value.split("\n").filter((line) => line.trim()).length;
    if (lines && lines + 1 !== this.parties.length) rebuild();
  }

  partyOptions(select, current, withNone) {
    const options = this.parties.map((party) => new Option(party.label, party.key));
    if (withNone) options.unshift(new Option(this.texts.no_party, ""));
    select.replaceChildren(...options);
    select.value = current;
  }

  fillPartySelect() {
    const current = this.partySelect.value;
    this.partyOptions(this.partySelect, current, false);
    if (!this.party(current) && this.parties.length) this.partySelect.value = this.parties[0].key;
  }

  fillElementSelect() {
    const select = this.prop("element");
    for (const [path, label] of parseJson(this.data.elements, [])) select.append(new Option(label, path));
  }

  // --- fields on the pages ------------------------------------------------------------------

  field(name) {
    return this.fields.find((field) => field.name === name) || null;
  }

  typeName(type) {
    return this.types[type] || type;
  }

  elementFor(field) {
    let element = this.elements.get(field.name);
    if (element) return element;
    element = document.createElement("div");
    element.className = "field-editor__field";
    element.tabIndex = 0;
    element.setAttribute("role", "button");
    element.setAttribute("aria-pressed", "false");
    element.setAttribute("data-testid", "placed-field");
    element.setAttribute("aria-describedby", this.pagesBox.getAttribute("aria-describedby") || "");
    element.dataset.name = field.name;
    element.dataset.type = field.type;
    const text = document.createElement("span");
    text.className = "field-editor__field-text";
    const kind = document.createElement("span");
    kind.className = "field-editor__field-type";
    const who = document.createElement("span");
    who.className = "field-editor__field-party";
    text.append(kind, who);
    const handle = document.createElement("span");
    handle.className = "field-editor__handle";
    handle.setAttribute("aria-hidden", "true");
    handle.setAttribute("data-testid", "field-resize");
    element.append(text, handle);
    this.elements.set(field.name, element);
    return element;
  }

  // Puts the field's box where its rectangle is on its page (or nowhere: no such page).
  place(field) {
    const element = this.elementFor(field);
    const page = this.pages[field.page - 1];
    if (!page) {
      element.remove();
      return;
    }
    const box = viewportBox(page.viewport, field.rect);
    setBox(element, box);
    // A one-line field drawn small says its type and party on one line, in a smaller font.
    element.classList.toggle("is-short", box.height < 26);
    element.style.fontSize = `${clamp(box.height * 0.75, 7, 11)}px`;
    if (element.parentNode !== page.layer) page.layer.append(element);
    this.decorate(field);
  }

  decorate(field) {
    const element = this.elementFor(field);
    const party = this.party(field.signatory);
    const partyLabel = party ? party.label : this.texts.no_party;
    element.dataset.page = String(field.page);
    element.style.setProperty("--party-colour", this.colour(field.signatory));
    element.querySelector(".field-editor__field-type").textContent = field.label || this.typeName(field.type);
    element.querySelector(".field-editor__field-party").textContent = partyLabel;
    const label = format(this.texts.field_label, {
      type: field.label ? `${this.typeName(field.type)} ${field.label}` : this.typeName(field.type),
      party: partyLabel,
      page: field.page,
    });
    element.setAttribute("aria-label", label);
    element.title = label;
    const selected = field.name === this.selected;
    element.classList.toggle("is-selected", selected);
    element.setAttribute("aria-pressed", String(selected));
  }

  // A new field of `type`, centred on (x, y) in CSS px on page `number`, for the chosen party.
  addField(type, number, x, y) {
    const page = this.pages[number - 1];
    if (!page) return;
    const unit = pxPerUnit(page.viewport);
    const [width, height] = SIZES[type];
    const box = { left: x - (width * unit) / 2, top: y - (height * unit) / 2, width: width * unit, height: height * unit };
    const field = {
      name: newName(type, this.fields),
      type,
      signatory: this.partySelect.value,
      page: number,
      rect: pdfRect(page.viewport, keepOnPage(box, page.viewport)),
      required: true,
      label: "",
      options: [],
      element: "",
      paging_seal: false,
    };
    this.fields.push(field);
    this.place(field);
    this.select(field.name);
    this.commit();
  }

  // Keyboard: the new field goes in the middle of the part of a page in view.
  addInView(type) {
    const view = this.pagesBox.getBoundingClientRect();
    let best = null;
    let bestArea = 0;
    for (const [index, page] of this.pages.entries()) {
      const r = page.box.getBoundingClientRect();
      const w = Math.min(r.right, view.right) - Math.max(r.left, view.left);
      const h = Math.min(r.bottom, view.bottom) - Math.max(r.top, view.top);
      if (w > 0 && h > 0 && w * h > bestArea) {
        bestArea = w * h;
        const x = (Math.max(r.left, view.left) + Math.min(r.right, view.right)) / 2 - r.left;
        const y = (Math.max(r.top, view.top) + Math.min(r.bottom, view.bottom)) / 2 - r.top;
        best = [index + 1, x, y];
      }
    }
    if (best) this.addField(type, ...best);
  }

  remove(name) {
    const index = this.fields.findIndex((field) => field.name === name);
    if (index < 0) return;
    const hadFocus = this.root.contains(document.activeElement);
    this.fields.splice(index, 1);
    this.elements.get(name)?.remove();
    this.elements.delete(name);
    // Focus goes on to the next field (or back to the pages), so Delete can be pressed again.
    const next = this.fields[Math.min(index, this.fields.length - 1)];
    this.select(next && this.pages[next.page - 1] ? next.name : null, { focus: false });
    if (hadFocus) (this.selected ? this.elements.get(this.selected) : this.pagesBox).focus({ preventScroll: true });
    this.commit();
  }

  // Moves the field by (dx, dy) points as seen on the page (so also on a rotated page), or
  // with `resize` moves its bottom-right corner.
  nudge(field, dx, dy, resize = false) {
    const page = this.pages[field.page - 1];
    if (!page) return;
    const { viewport } = page;
    const unit = pxPerUnit(viewport);
    const box = viewportBox(viewport, field.rect);
    if (resize) {
      const least = MIN_SIDE * unit;
      box.width = clamp(box.width + dx * unit, least, Math.max(least, viewport.width - box.left));
      box.height = clamp(box.height + dy * unit, least, Math.max(least, viewport.height - box.top));
    } else {
      box.left += dx * unit;
      box.top += dy * unit;
    }
    field.rect = pdfRect(viewport, keepOnPage(box, viewport));
    this.place(field);
    this.commit();
  }

  select(name, { focus = true } = {}) {
    this.selected = name && this.field(name) ? name : null;
    for (const field of this.fields) {
      const element = this.elements.get(field.name);
      if (!element) continue;
      const on = field.name === this.selected;
      element.classList.toggle("is-selected", on);
      element.setAttribute("aria-pressed", String(on));
    }
    if (this.selected && focus) this.elements.get(this.selected)?.focus({ preventScroll: true });
    this.showProps();
  }

  arm(type) {
    this.armed = type;
    for (const button of this.palette) button.setAttribute("aria-pressed", String(button.dataset.type === type));
    this.root.classList.toggle("is-armed", Boolean(type));
    this.armedBox.textContent = type ? format(this.texts.armed, { type: this.typeName(type) }) : "";
  }

  // --- pointer and keyboard -----------------------------------------------------------------

  listenPalette() {
    for (const button of this.palette) {
      button.addEventListener("pointerdown", (event) => {
        // A finger taps a type instead (the palette must not stop the page from scrolling).
        if (event.pointerType === "touch" || event.button !== 0 || !this.pages.length) return;
        this.paletteDrag = { id: event.pointerId, type: button.dataset.type, x: event.clientX, y: event.clientY, ghost: null };
        capture(button, event.pointerId);
      });
      button.addEventListener("pointermove", (event) => this.paletteMove(event));
      button.addEventListener("pointerup", (event) => this.paletteDrop(event));
      button.addEventListener("pointercancel", () => this.paletteEnd());
      button.addEventListener("lostpointercapture", () => this.paletteEnd());
      button.addEventListener("click", (event) => {
        if (this.dropped) return; // the click that ends a drag
        const type = button.dataset.type;
        if (event.detail === 0) this.addInView(type); // Enter or Space: nothing to tap with
        else this.arm(this.armed === type ? null : type);
      });
    }
  }

  paletteMove(event) {
    const drag = this.paletteDrag;
    if (!drag || event.pointerId !== drag.id) return;
    if (!drag.ghost) {
      if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < DRAG_THRESHOLD_PX) return;
      // Drawn at the first page's scale; fixed to the window, so not inside the editor.
      const unit = pxPerUnit(this.pages[0].viewport);
      const [width, height] = SIZES[drag.type];
      drag.ghost = document.createElement("div");
      drag.ghost.className = "field-editor__ghost";
      drag.ghost.style.width = `${width * unit}px`;
      drag.ghost.style.height = `${height * unit}px`;
      drag.ghost.style.setProperty("--party-colour", this.colour(this.partySelect.value));
      drag.ghost.textContent = this.typeName(drag.type);
      document.body.append(drag.ghost);
    }
    drag.ghost.style.left = `${event.clientX - drag.ghost.offsetWidth / 2}px`;
    drag.ghost.style.top = `${event.clientY - drag.ghost.offsetHeight / 2}px`;
  }

  paletteDrop(event) {
    const drag = this.paletteDrag;
    if (!drag || event.pointerId !== drag.id) return;
    if (drag.ghost) {
      drag.ghost.remove();
      const under = document.elementFromPoint(event.clientX, event.clientY);
      const box = under && under.closest(".field-editor__page");
      if (box && this.pagesBox.contains(box)) {
        const r = box.getBoundingClientRect();
        this.addField(drag.type, Number(box.dataset.pageNumber), event.clientX - r.left, event.clientY - r.top);
      }
      // The captured pointer's click follows on the palette button: it must not arm the type.
      this.dropped = true;
      setTimeout(() => {
        this.dropped = false;
      }, 0);
    }
    this.paletteDrag = null;
  }

  paletteEnd() {
    if (this.paletteDrag && this.paletteDrag.ghost) this.paletteDrag.ghost.remove();
    this.paletteDrag = null;
  }

  listenPages() {
    const box = this.pagesBox;
    box.addEventListener("pointerdown", (event) => this.pointerDown(event));
    box.addEventListener("pointermove", (event) => this.pointerMove(event));
    box.addEventListener("pointerup", (event) => this.pointerUp(event));
    box.addEventListener("pointercancel", () => this.pointerCancel());
    box.addEventListener("lostpointercapture", (event) => this.pointerUp(event));
    box.addEventListener("click", (event) => this.pageClick(event));
    box.addEventListener("keydown", (event) => this.keyDown(event));
    box.addEventListener("focusin", (event) => {
      const element = event.target.closest(".field-editor__field");
      if (element && element.dataset.name !== this.selected) this.select(element.dataset.name, { focus: false });
    });
  }

  pointerDown(event) {
    const element = event.target.closest(".field-editor__field");
    if (!element || event.button !== 0 || this.drag) return;
    const field = this.field(element.dataset.name);
    const resize = event.target.classList.contains("field-editor__handle");
    // A finger on a field not selected may be scrolling the pages: a tap selects it first.
    if (event.pointerType === "touch" && field.name !== this.selected) return;
    event.preventDefault(); // no text selection, no scrolling
    this.select(field.name);
    const page = this.pages[field.page - 1];
    this.drag = {
      id: event.pointerId,
      field,
      element,
      page,
      resize,
      x: event.clientX,
      y: event.clientY,
      start: viewportBox(page.viewport, field.rect),
      box: null,
    };
    capture(element, event.pointerId);
  }

  pointerMove(event) {
    const drag = this.drag;
    if (!drag || event.pointerId !== drag.id) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.box && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
    const { viewport } = drag.page;
    const start = drag.start;
    if (drag.resize) {
      const least = MIN_SIDE * pxPerUnit(viewport);
      drag.box = {
        left: start.left,
        top: start.top,
        width: clamp(start.width + dx, least, Math.max(least, viewport.width - start.left)),
        height: clamp(start.height + dy, least, Math.max(least, viewport.height - start.top)),
      };
    } else {
      drag.box = keepOnPage({ ...start, left: start.left + dx, top: start.top + dy }, viewport);
    }
    setBox(drag.element, drag.box);
  }

  pointerUp(event) {
    const drag = this.drag;
    if (!drag || event.pointerId !== drag.id) return;
    this.drag = null;
    if (!drag.box) return; // a click: selected, not moved
    drag.field.rect = pdfRect(drag.page.viewport, drag.box);
    this.place(drag.field);
    this.commit();
  }

  pointerCancel() {
    const drag = this.drag;
    this.drag = null;
    if (drag) this.place(drag.field);
  }

  pageClick(event) {
    const element = event.target.closest(".field-editor__field");
    if (element) {
      this.select(element.dataset.name); // a tap (touch selects on the tap, not on the touch)
      return;
    }
    const box = event.target.closest(".field-editor__page");
    if (!box) return;
    if (this.armed) {
      const r = box.getBoundingClientRect();
      this.addField(this.armed, Number(box.dataset.pageNumber), event.clientX - r.left, event.clientY - r.top);
      this.arm(null);
    } else {
      this.select(null);
    }
  }

  keyDown(event) {
    const element = event.target.closest(".field-editor__field");
    const field = element && this.field(element.dataset.name);
    if (!field) return;
    if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      this.remove(field.name);
      return;
    }
    if (event.key === "Escape") {
      this.select(null);
      this.pagesBox.focus({ preventScroll: true });
      return;
    }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault(); // not the form's submit: on to the field's properties
      this.prop("party").focus();
      return;
    }
    const step = event.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (!moves[event.key]) return;
    event.preventDefault();
    this.nudge(field, ...moves[event.key], event.altKey);
  }

  // --- the selected field's properties ------------------------------------------------------

  listenProps() {
    const change = (name, kind, apply) => {
      this.prop(name).addEventListener(kind, () => {
        const field = this.field(this.selected);
        if (!field) return;
        apply(field, this.prop(name));
        this.decorate(field);
        this.commit();
      });
    };
    change("party", "change", (field, select) => {
      field.signatory = select.value;
      if (!this.isFirst(field.signatory)) field.paging_seal = false;
      this.showProps();
    });
    change("required", "change", (field, box) => {
      field.required = box.checked;
    });
    change("label", "input", (field, input) => {
      field.label = input.value;
    });
    change("options", "input", (field, textarea) => {
      field.options = optionsOf(textarea.value);
    });
    change("element", "change", (field, select) => {
      field.element = select.value;
    });
    change("paging_seal", "change", (field, box) => {
      field.paging_seal = box.checked;
    });
    this.prop("delete").addEventListener("click", () => {
      const field = this.field(this.selected);
      if (field) this.remove(field.name);
    });
    // Enter in the label must not submit the form the editor is in.
    this.prop("label").addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  }

  showProps() {
    const field = this.field(this.selected);
    this.props.hidden = !field;
    if (!field) return;
    this.props.querySelector("[data-props-title]").textContent = format(this.texts.props_title, {
      type: this.typeName(field.type),
      name: field.name,
      page: field.page,
    });
    this.partyOptions(this.prop("party"), field.signatory, !this.party(field.signatory));
    const required = this.prop("required");
    required.checked = FILLABLE.has(field.type) ? field.required : true;
    required.disabled = !FILLABLE.has(field.type); // signing and platform fields always are
    const label = this.prop("label");
    if (document.activeElement !== label) label.value = field.label;
    const options = this.prop("options");
    if (document.activeElement !== options) options.value = field.options.join("\n");
    this.props.querySelector('[data-prop-row="options"]').hidden = field.type !== "choice";
    this.prop("element").value = field.element;
    this.props.querySelector('[data-prop-row="element"]').hidden = !MAPPABLE.has(field.type);
    const paging = this.prop("paging_seal");
    paging.checked = field.paging_seal;
    paging.disabled = !this.isFirst(field.signatory);
    this.props.querySelector('[data-prop-row="paging-seal"]').hidden = field.type !== "seal";
  }

  // --- output and summary -------------------------------------------------------------------

  commit() {
    const fields = this.fields.map(serialise);
    this.output.value = JSON.stringify(fields);
    this.summarise();
    this.root.dispatchEvent(new CustomEvent("fields-changed", { detail: { fields } }));
  }

  fieldTitle(field) {
    return `${field.label || this.typeName(field.type)} (${field.name})`;
  }

  summarise() {
    const t = this.texts;
    const rows = this.parties.map((party) => {
      const counts = TYPES.map((type) => [
        type,
        this.fields.filter((field) => field.signatory === party.key && field.type === type).length,
      ]).filter(([, count]) => count);
      const list = counts.length
        ? counts.map(([type, count]) => format(t.type_count, { type: this.typeName(type), count })).join(t.separator)
        : t.no_fields;
      const row = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "field-editor__swatch";
      swatch.style.setProperty("--party-colour", this.colour(party.key));
      row.dataset.party = party.key;
      row.append(swatch, format(t.party_summary, { party: party.label, list }));
      return row;
    });
    this.summary.replaceChildren(...rows);
    this.warnings.replaceChildren(
      ...this.problems().map((text) => {
        const row = document.createElement("li");
        row.textContent = text;
        return row;
      }),
    );
  }

  // What the server would refuse, said before the form is sent (it checks again).
  problems() {
    const t = this.texts;
    const found = [];
    for (const party of this.parties) {
      const count = this.fields.filter((field) => field.signatory === party.key && SIGNING.has(field.type)).length;
      if (count === 0) found.push(format(t.no_signing, { party: party.label }));
      if (count > 1) found.push(format(t.many_signing, { party: party.label, count }));
    }
    for (const field of this.fields) {
      const party = this.party(field.signatory);
      const name = this.fieldTitle(field);
      if (!party) found.push(format(t.orphan, { field: name }));
      if (party && field.type === "seal" && party.kind === "person") {
        found.push(format(t.seal_person, { field: name, party: party.label }));
      }
      if (field.type === "choice" && !field.options.length) found.push(format(t.no_options, { field: name }));
      if (!this.pdfPages.length) continue;
      const page = this.pdfPages[field.page - 1];
      if (!page) {
        found.push(format(t.off_pages, { field: name, page: field.page, count: this.pdfPages.length }));
      } else {
        const [x1, y1, x2, y2] = page.view;
        const [a, b, c, d] = field.rect;
        const inside =
          a >= x1 - INSIDE_TOLERANCE && b >= y1 - INSIDE_TOLERANCE && c <= x2 + INSIDE_TOLERANCE && d <= y2 + INSIDE_TOLERANCE;
        if (!inside) found.push(format(t.off_page, { field: name }));
      }
    }
    this.fields.forEach((a, index) => {
      for (const b of this.fields.slice(index + 1)) {
        if (a.signatory !== b.signatory && a.page === b.page && overlap(a.rect, b.rect)) {
          found.push(format(t.overlap, { a: this.fieldTitle(a), b: this.fieldTitle(b) }));
        }
      }
    });
    return found;
  }
}

export function fieldEditor(root) {
  const editor = new FieldEditor(root);
  editor.start();
  return editor;
}

document.querySelectorAll("[data-field-editor]").forEach(fieldEditor);
