// A handwritten signature drawn with a finger, pen or mouse (§9.1 auxiliary signature). It only
// becomes the picture in the party's box on the signature page; the signature itself is the
// key's. Pointer events cover mouse, touch and pen alike; the canvas keeps its own pixel size
// scaled to the screen's density so strokes stay sharp on phones.

export function signaturePad(canvas) {
  const context = canvas.getContext("2d");
  let drawing = false;
  let inked = false;

  function fitToScreen() {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#102060";
    inked = false;
    delete canvas.dataset.inked;
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  // A canvas inside a closed <details> has no size yet: fit it when it is first touched.
  function sizeChanged() {
    const ratio = window.devicePixelRatio || 1;
    return Math.round(canvas.getBoundingClientRect().width * ratio) !== canvas.width;
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (!inked && sizeChanged()) fitToScreen();
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    context.beginPath();
    context.moveTo(...point(event));
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    context.lineTo(...point(event));
    context.stroke();
    inked = true;
    canvas.dataset.inked = "true";
    event.preventDefault();
  });
  for (const type of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(type, () => {
      drawing = false;
    });
  }
  fitToScreen();
  // Strokes before this point (the module still loading) are lost: say when it listens.
  canvas.dataset.ready = "true";

  return {
    clear: fitToScreen, // resizing the canvas also wipes it
    isEmpty: () => !inked,
    // A PNG with a transparent background, as a data: URL; null when nothing was drawn.
    toDataURL: () => (inked ? canvas.toDataURL("image/png") : null),
  };
}
