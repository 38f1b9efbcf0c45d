// pdf.js for every viewer of ours (pdf-viewer.js, field-editor.js, field-fill.js): loaded once
// from the vendored build (static/vendor/pdfjs), documents opened with the same options. The
// element's data-* attributes (templates/signing/_pdfjs_data.html) name the build's files.

// pdf.js resolves relative URLs against the worker's folder: hand it absolute ones.
export function absolute(url) {
  return new URL(url, document.baseURI).href;
}

let libraryPromise = null;

export function loadLibrary(libUrl, workerUrl) {
  if (!libraryPromise) {
    libraryPromise = import(absolute(libUrl)).then((pdfjsLib) => {
      pdfjsLib.GlobalWorkerOptions.workerSrc = absolute(workerUrl);
      return pdfjsLib;
    });
  }
  return libraryPromise;
}

// The library and the loading task of `source` ({url, withCredentials} or {data}), with the
// CJK character maps, standard fonts and wasm decoders the attributes of `data` point at.
export async function openDocument(data, source) {
  const pdfjsLib = await loadLibrary(data.pdfjsLib, data.pdfjsWorker);
  const task = pdfjsLib.getDocument({
    ...source,
    cMapUrl: absolute(data.cmapUrl),
    cMapPacked: true,
    standardFontDataUrl: absolute(data.standardFontUrl),
    wasmUrl: absolute(data.wasmUrl),
    isEvalSupported: false, // the CSP allows no eval; PostScript functions are interpreted
  });
  return { pdfjsLib, task };
}

// A JSON data-* attribute, or `fallback` when it is empty or broken.
export function parseJson(text, fallback) {
  try {
    return text ? JSON.parse(text) : fallback;
  } catch {
    return fallback;
  }
}

// "{count} pages" with values: the texts come translated from the templates.
export function format(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (match, key) =>
    key in values ? String(values[key]) : match,
  );
}
