// Show a PDF in the page with the vendored pdf.js (static/vendor/pdfjs, README.md): every page
// is drawn on a canvas, with pdf.js's text layer on top (selectable, searchable, read by screen
// readers). The pages fit the width of their container (a phone shows the whole page width);
// the zoom buttons enlarge them inside the viewer, which then scrolls on its own — never the page.
//
// Markup (templates/signing/_pdf_viewer.html): an element with `data-pdf-viewer` and
//   data-pdf-url           the PDF (same origin, sent with the session cookie)
//   data-pdfjs-lib         build/pdf.min.mjs          data-pdfjs-worker  build/pdf.worker.min.mjs
//   data-cmap-url          cmaps/ (CJK CID fonts)     data-standard-font-url  standard_fonts/
//   data-wasm-url          wasm/
//   data-text-pages        "… {count} …"              data-text-error    the error prefix
// with inside it [data-pdf-status], [data-pdf-error], [data-pdf-page-count], [data-pdf-pages]
// and buttons [data-pdf-zoom="out" | "fit" | "in"]. The texts come translated from the template.
//
// The field editor (field-editor.js) draws its pages and zooms with the helpers exported here.

import { absolute, openDocument } from "./pdf-library.js";

const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 4;
const RESIZE_DELAY_MS = 150;

// The zoom (relative to fit-to-width) after a zoom button's `action`: "in", "out", else fit.
export function zoomed(zoom, action) {
  if (action === "in") return Math.min(MAX_ZOOM, zoom * ZOOM_STEP);
  if (action === "out") return Math.max(MIN_ZOOM, zoom / ZOOM_STEP);
  return 1;
}

// Calls `resized` once `box` has kept a new size for a moment (a turned phone, a resized window,
// a scroll bar appearing), not at every step of a resize.
export function whenResized(box, resized) {
  let timer = null;
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(resized, RESIZE_DELAY_MS);
  }).observe(box);
}

// A canvas for a page drawn at `viewport` (CSS px), with `ratio` device pixels to a CSS px so
// that it is sharp on a dense screen; screen readers skip it.
export function pageCanvas(viewport, ratio) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.setAttribute("aria-hidden", "true");
  return canvas;
}

// Draws `page` on a `pageCanvas(viewport, ratio)`.
export function drawPage(page, canvas, viewport, ratio) {
  return page.render({
    canvas,
    canvasContext: canvas.getContext("2d"),
    viewport,
    transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
  }).promise;
}

class PdfViewer {
  constructor(root) {
    this.root = root;
    this.data = root.dataset;
    this.status = root.querySelector("[data-pdf-status]");
    this.errorBox = root.querySelector("[data-pdf-error]");
    this.pageCount = root.querySelector("[data-pdf-page-count]");
    this.pagesBox = root.querySelector("[data-pdf-pages]");
    this.zoom = 1; // relative to fit-to-width
    this.pages = [];
    this.renderRun = 0;
    this.lastWidth = 0;
  }

  async open() {
    this.root.setAttribute("aria-busy", "true");
    try {
      const { pdfjsLib, task } = await openDocument(this.data, {
        url: absolute(this.data.pdfUrl),
        withCredentials: true,
      });
      this.pdfjsLib = pdfjsLib;
      const pdf = await task.promise;
      this.pdf = pdf;
      this.pageCount.textContent = (this.data.textPages || "{count}").replace(
        "{count}",
        String(pdf.numPages),
      );
      this.pageCount.dataset.count = String(pdf.numPages);
      for (let number = 1; number <= pdf.numPages; number += 1) {
        this.pages.push(await pdf.getPage(number));
      }
      await this.render();
      this.root.dataset.state = "ready";
      if (this.status) this.status.hidden = true;
      this.listen();
    } catch (error) {
      this.fail(error);
    } finally {
      this.root.removeAttribute("aria-busy");
    }
  }

  fail(error) {
    this.root.dataset.state = "error";
    if (this.status) this.status.hidden = true;
    if (!this.errorBox) return;
    const detail = error && error.message ? error.message : String(error);
    this.errorBox.textContent = `${this.data.textError || ""} ${detail}`.trim();
    this.errorBox.hidden = false;
  }

  // The scale at which a page exactly fills the viewer's width, before zooming.
  fitScale(page) {
    const width = this.pagesBox.clientWidth;
    const pageWidth = page.getViewport({ scale: 1 }).width;
    return width > 0 ? width / pageWidth : 1;
  }

  async render() {
    const run = ++this.renderRun;
    this.lastWidth = this.pagesBox.clientWidth;
    const ratio = window.devicePixelRatio || 1;
    // The first time, show each page as soon as it is drawn; later, swap all at once.
    const progressive = this.pagesBox.childElementCount === 0;
    const sheets = [];
    for (const [index, page] of this.pages.entries()) {
      const viewport = page.getViewport({ scale: this.fitScale(page) * this.zoom });
      const sheet = document.createElement("div");
      sheet.className = "pdf-viewer__page";
      sheet.dataset.pageNumber = String(index + 1);
      sheet.style.width = `${Math.floor(viewport.width)}px`;
      sheet.style.height = `${Math.floor(viewport.height)}px`;
      // Sizes the text layer (pdf.js reads these custom properties).
      sheet.style.setProperty("--total-scale-factor", String(viewport.scale));
      sheet.style.setProperty("--scale-round-x", "1px");
      sheet.style.setProperty("--scale-round-y", "1px");

      const canvas = pageCanvas(viewport, ratio);
      const textLayer = document.createElement("div");
      textLayer.className = "textLayer";
      sheet.append(canvas, textLayer);
      sheets.push(sheet);
      if (progressive) this.pagesBox.append(sheet);

      await drawPage(page, canvas, viewport, ratio);
      await new this.pdfjsLib.TextLayer({
        textContentSource: page.streamTextContent(),
        container: textLayer,
        viewport,
      }).render();
      if (run !== this.renderRun) return; // a newer render (resize, zoom) took over
    }
    if (!progressive) this.pagesBox.replaceChildren(...sheets);
  }

  listen() {
    this.root.querySelectorAll("[data-pdf-zoom]").forEach((button) => {
      button.disabled = false;
      button.addEventListener("click", () => {
        this.zoom = zoomed(this.zoom, button.dataset.pdfZoom);
        this.render().catch((error) => this.fail(error));
      });
    });
    // Fit the new width.
    whenResized(this.pagesBox, () => {
      if (this.pagesBox.clientWidth !== this.lastWidth) {
        this.render().catch((error) => this.fail(error));
      }
    });
  }
}

export function showPdf(root) {
  const viewer = new PdfViewer(root);
  viewer.open();
  return viewer;
}

document.querySelectorAll("[data-pdf-viewer]").forEach(showPdf);
