// The placed fields over the contract PDF when it is a signer's turn
// (templates/contracts/_field_fill.html). The signer's own fill-in fields become inputs at their
// rectangles on the pages pdf-viewer.js draws; its signature or seal field is marked "Sign here";
// the date signed and its name say they are filled in on signing; the other parties' fields are
// outlined only (what they filled in is in the PDF itself). The values go, as JSON
// {name: value}, into the hidden input field_values, which the signing script sends.
//
// pdf-viewer.js re-creates its pages on zoom and resize, so a MutationObserver puts the same
// input elements (their values, their focus) on the new pages. Where a rectangle falls on a page
// needs the page's size in points: this module opens the viewer's PDF with pdf.js too.
//
// collectFieldValues(root) checks the values (required, a choice among the options) before
// signing; every change also fires "field-values-changed" on the root.

import { absolute, format, openDocument, parseJson } from "./pdf-library.js";

const EDITABLE = new Set(["text", "textarea", "date", "checkbox", "choice"]);
const SIGNING = new Set(["signature", "seal"]);
const AUTOMATIC = new Set(["date_signed", "name"]);
const MAX_LENGTH = { text: 200, textarea: 2000 }; // as the server keeps them
const TRUE = new Set(["true", "True", "on", "1"]);

// A PDF rectangle as a box in CSS px on a page drawn at `viewport`.
function viewportBox(viewport, rect) {
  const [ax, ay] = viewport.convertToViewportPoint(rect[0], rect[1]);
  const [bx, by] = viewport.convertToViewportPoint(rect[2], rect[3]);
  return { left: Math.min(ax, bx), top: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) };
}

// Reading order: page, then from the top, then from the left.
function readingOrder(a, b) {
  return a.page - b.page || b.rect[3] - a.rect[3] || a.rect[0] - b.rect[0];
}

class FieldFill {
  constructor(root) {
    this.root = root;
    this.texts = parseJson(root.dataset.texts, {});
    this.types = parseJson(root.dataset.types, {});
    this.fields = parseJson(root.dataset.fields, []).sort(readingOrder);
    this.hidden = root.querySelector("[data-field-values]");
    this.summary = root.querySelector("[data-fill-summary]");
    this.errorBox = root.querySelector("[data-fill-error]");
    this.list = root.querySelector("[data-fill-list]");
    this.mine = this.fields.filter((field) => field.mine);
    // The fields this signer fills in now: its own, of a fill-in type, not filled before.
    this.editable = this.mine.filter((field) => EDITABLE.has(field.type) && !field.filled);
    this.elements = new Map(); // field name → its element over the page (kept across redraws)
    this.statuses = new Map(); // field name → its status in the list
    this.pdfPages = null;
    this.lastFocused = null;
  }

  start() {
    for (const field of this.fields) this.elements.set(field.name, this.overlay(field));
    this.buildList();
    this.update();
    const viewer = document.querySelector("[data-pdf-viewer]");
    const pagesBox = viewer && viewer.querySelector("[data-pdf-pages]");
    if (!pagesBox || !viewer.dataset.pdfUrl) {
      this.fallback(null);
      return;
    }
    this.pagesBox = pagesBox;
    new MutationObserver(() => this.placeAll()).observe(pagesBox, { childList: true });
    this.load(viewer.dataset.pdfUrl)
      .then(() => this.placeAll())
      .catch((error) => this.fallback(error));
  }

  typeName(type) {
    return this.types[type] || type;
  }

  title(field) {
    return field.label || this.typeName(field.type);
  }

  async load(url) {
    const data = this.root.dataset;
    const { task } = await openDocument(data, { url: absolute(url), withCredentials: true });
    const pdf = await task.promise;
    const pages = [];
    for (let number = 1; number <= pdf.numPages; number += 1) pages.push(await pdf.getPage(number));
    this.pdfPages = pages;
  }

  // --- the elements over the pages ----------------------------------------------------------

  overlay(field) {
    if (this.editable.includes(field)) return this.input(field);
    const box = document.createElement("div");
    box.setAttribute("data-testid", "fill-box");
    box.dataset.name = field.name;
    let kind = "other";
    if (field.mine && SIGNING.has(field.type)) kind = "sign";
    else if (field.mine && AUTOMATIC.has(field.type)) kind = "auto";
    else if (field.mine) kind = "done";
    box.className = `field-fill__box field-fill__box--${kind}`;
    box.dataset.kind = kind;
    if (kind === "sign") box.textContent = this.texts.sign_here;
    if (kind === "auto") box.textContent = this.texts.auto;
    box.title =
      kind === "other"
        ? format(this.texts.other, { party: field.party_label, field: this.title(field) })
        : `${this.title(field)}: ${box.textContent || this.texts.done}`;
    if (kind === "other" || kind === "done") box.setAttribute("aria-hidden", "true"); // the list tells
    return box;
  }

  input(field) {
    let input;
    if (field.type === "textarea") {
      input = document.createElement("textarea");
    } else if (field.type === "choice") {
      input = document.createElement("select");
      input.append(new Option(this.texts.choose, ""), ...field.options.map((option) => new Option(option, option)));
    } else {
      input = document.createElement("input");
      input.type = field.type === "checkbox" ? "checkbox" : field.type === "date" ? "date" : "text";
    }
    input.className = `field-fill__input field-fill__input--${field.type}`;
    input.id = `field-fill-${field.name}`;
    input.setAttribute("data-testid", "fill-field");
    input.dataset.name = field.name;
    input.setAttribute("aria-label", this.title(field));
    if (field.label && (field.type === "text" || field.type === "textarea")) input.placeholder = field.label;
    if (MAX_LENGTH[field.type]) input.maxLength = MAX_LENGTH[field.type];
    input.required = Boolean(field.required);
    const value = String(field.value ?? "");
    if (field.type === "checkbox") input.checked = TRUE.has(value);
    else if (field.type !== "choice" || field.options.includes(value)) input.value = value;
    const changed = () => {
      if (input.getAttribute("aria-invalid") === "true") this.check(field, input);
      this.update();
    };
    input.addEventListener("input", changed);
    input.addEventListener("change", changed);
    input.addEventListener("focusin", () => {
      this.lastFocused = field.name;
    });
    input.addEventListener("focusout", () => {
      // Not when its page is being replaced: placeOn gives the focus back then.
      setTimeout(() => {
        if (document.activeElement !== input && this.lastFocused === field.name) this.lastFocused = null;
      }, 0);
    });
    return input;
  }

  placeAll() {
    if (!this.pdfPages || !this.pagesBox) return;
    this.pagesBox.querySelectorAll(":scope > .pdf-viewer__page").forEach((sheet) => this.placeOn(sheet));
  }

  // Puts the fields of one drawn page at their rectangles, scaled to the page as drawn.
  placeOn(sheet) {
    const number = Number(sheet.dataset.pageNumber);
    const page = this.pdfPages[number - 1];
    if (!page) return;
    const width = Number.parseFloat(sheet.style.width) || sheet.clientWidth;
    let layer = sheet.querySelector(":scope > .field-fill__layer");
    if (layer && layer.dataset.width === String(width)) return;
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "field-fill__layer";
      sheet.append(layer);
    }
    layer.dataset.width = String(width);
    const viewport = page.getViewport({ scale: width / page.getViewport({ scale: 1 }).width });
    const unit = viewport.scale * (viewport.userUnit || 1); // CSS px per point
    for (const field of this.fields) {
      if (field.page !== number) continue;
      const element = this.elements.get(field.name);
      const box = viewportBox(viewport, field.rect);
      element.style.left = `${box.left}px`;
      element.style.top = `${box.top}px`;
      element.style.width = `${box.width}px`;
      element.style.height = `${box.height}px`;
      // Text about the size of 10 pt on the page (a line in a one-line field), for what fits.
      const size = field.type === "textarea" ? unit * 10 : Math.min(unit * 12, box.height * 0.7);
      element.style.fontSize = `${Math.max(7, Math.min(16, size))}px`;
      if (element.parentNode !== layer) layer.append(element);
      if (this.lastFocused === field.name && document.activeElement !== element) element.focus({ preventScroll: true });
    }
  }

  // No PDF to put the inputs on (it failed, or no viewer): the inputs go into the list.
  fallback(error) {
    for (const field of this.editable) {
      const element = this.elements.get(field.name);
      element.classList.add("field-fill__input--in-list");
      element.style.fontSize = "";
      this.statuses.get(field.name).before(element);
    }
    if (error) {
      const detail = error && error.message ? error.message : String(error);
      this.errorBox.textContent = `${this.texts.error} ${detail}`;
      this.errorBox.hidden = false;
    }
  }

  // --- the list, the values -----------------------------------------------------------------

  buildList() {
    this.root.hidden = this.mine.length === 0; // nothing to do here: only outlines on the pages
    const rows = this.mine.map((field) => {
      const row = document.createElement("li");
      row.dataset.name = field.name;
      const name = document.createElement(this.editable.includes(field) ? "label" : "span");
      name.className = "field-fill__name";
      name.textContent = this.title(field);
      if (name.tagName === "LABEL") name.htmlFor = `field-fill-${field.name}`;
      row.append(name);
      if (field.required && this.editable.includes(field)) {
        const required = document.createElement("span");
        required.className = "field-fill__required";
        required.textContent = ` ${this.texts.required}`;
        name.append(required);
      }
      const status = document.createElement("span");
      status.className = "field-fill__status muted";
      if (SIGNING.has(field.type)) status.textContent = this.texts.sign_here;
      else if (AUTOMATIC.has(field.type)) status.textContent = this.texts.auto;
      else if (field.filled) status.textContent = this.texts.done;
      row.append(status);
      this.statuses.set(field.name, status);
      return row;
    });
    this.list.replaceChildren(...rows);
  }

  valueOf(field) {
    const input = this.elements.get(field.name);
    if (field.type === "checkbox") return input.checked;
    return field.type === "date" || field.type === "choice" ? input.value : input.value.trim();
  }

  isFilled(field) {
    const value = this.valueOf(field);
    return field.type === "checkbox" ? value === true : value !== "";
  }

  values() {
    return Object.fromEntries(this.editable.map((field) => [field.name, this.valueOf(field)]));
  }

  update() {
    const values = this.values();
    this.hidden.value = JSON.stringify(values);
    const required = this.editable.filter((field) => field.required);
    const filled = required.filter((field) => this.isFilled(field)).length;
    this.summary.textContent = required.length ? format(this.texts.summary, { filled, total: required.length }) : "";
    for (const field of this.editable) {
      this.statuses.get(field.name).textContent = this.isFilled(field) ? this.texts.filled : this.texts.empty;
    }
    this.root.dispatchEvent(new CustomEvent("field-values-changed", { bubbles: true, detail: { values } }));
  }

  // One field: a required one filled in (a required checkbox ticked), a choice one of the
  // options, a date a whole date. Marks the input for assistive technology and the eye.
  check(field, input) {
    const value = this.valueOf(field);
    let ok = !field.required || this.isFilled(field);
    if (field.type === "choice" && value && !field.options.includes(value)) ok = false;
    if (field.type === "date" && input.validity && input.validity.badInput) ok = false;
    if (ok) input.removeAttribute("aria-invalid");
    else input.setAttribute("aria-invalid", "true");
    return ok;
  }

  collect() {
    const invalid = this.editable.filter((field) => !this.check(field, this.elements.get(field.name)));
    this.update();
    if (invalid.length) {
      const fields = invalid.map((field) => this.title(field)).join(this.texts.separator);
      this.errorBox.textContent = format(this.texts.invalid, { fields });
      this.errorBox.hidden = false;
      this.saidInvalid = true;
    } else if (this.saidInvalid) {
      this.errorBox.hidden = true; // (not the message that the PDF failed: that stays)
      this.saidInvalid = false;
    }
    return {
      ok: invalid.length === 0,
      values: this.values(),
      firstInvalid: invalid.length ? this.elements.get(invalid[0].name) : null,
    };
  }
}

// Kept on the root under a registered symbol: a script importing this module by another URL
// (a hashed static name and the plain one) gets a second copy of the module, which must find
// the same fields, not put its own inputs over the pages.
const FILL = Symbol.for("econtract.field-fill");

function fieldFill(root) {
  if (!root[FILL]) {
    root[FILL] = new FieldFill(root);
    root[FILL].start();
  }
  return root[FILL];
}

// For the signing script: {ok, values, firstInvalid} — the values as in the hidden input, and
// the first input not filled in as it must be (marked aria-invalid), to focus.
export function collectFieldValues(root) {
  return fieldFill(root).collect();
}

document.querySelectorAll("[data-field-fill]").forEach(fieldFill);
