// The drawing pad: strokes from mouse, touch and pen (pointer events), undo and
// clear, and a fixed-size transparent "ink" canvas whose alpha channel is what
// the Rust preprocessing reads. JS owns the pixels; Rust turns them into numbers.

/** Side of the ink canvas handed to the preprocessing, in pixels (8 × MNIST). */
export const INK_SIDE = 224;
/** Stroke width as a fraction of the pad's side (about an MNIST pen on a 20-pixel digit). */
const STROKE = 0.072;

export class Pad {
  /**
   * @param {HTMLCanvasElement} canvas the visible pad
   * @param {{onChange: () => void, onMessage: (text: string) => void}} hooks
   */
  constructor(canvas, { onChange, onMessage }) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.onMessage = onMessage;
    /** @type {Array<Array<[number, number]>>} strokes in pad units (0..1) */
    this.strokes = [];
    this.current = null;
    this.pointerId = null;
    this.ink = document.createElement('canvas');
    this.ink.width = this.ink.height = INK_SIDE;
    this.inkCtx = this.ink.getContext('2d', { willReadFrequently: true });
    this.ctx = canvas.getContext('2d');
    this.inkColour = '#111';
    this.resize();
    new ResizeObserver(() => this.resize()).observe(canvas);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.redraw());

    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('lostpointercapture', (e) => this.up(e));
    // No scrolling, zooming or context menu while drawing on touch screens.
    canvas.addEventListener('touchstart', (e) => e.preventDefault(), { passive: false });
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  /** True when nothing is drawn. */
  get isEmpty() {
    return this.strokes.length === 0;
  }

  /**
   * The ink canvas's RGBA pixels (alpha = ink), cropped to the strokes' bounding box
   * plus the pen's radius: the preprocessing finds the ink's own box and centre, so the
   * crop changes nothing but the time (the copy out of the canvas is the costly part).
   * @returns {{data: Uint8ClampedArray, width: number, height: number}}
   */
  pixels() {
    let x0 = 1, y0 = 1, x1 = 0, y1 = 0;
    for (const s of this.strokes) {
      for (const [x, y] of s) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    const r = (STROKE / 2) * INK_SIDE + 2;
    const clamp = (v) => Math.max(0, Math.min(INK_SIDE, v));
    const left = clamp(Math.floor(x0 * INK_SIDE - r));
    const top = clamp(Math.floor(y0 * INK_SIDE - r));
    const width = Math.max(1, clamp(Math.ceil(x1 * INK_SIDE + r)) - left);
    const height = Math.max(1, clamp(Math.ceil(y1 * INK_SIDE + r)) - top);
    return { data: this.inkCtx.getImageData(left, top, width, height).data, width, height };
  }

  /** Matches the backing store to the displayed size × devicePixelRatio (crisp on high-DPI screens). */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.redraw();
    }
  }

  point(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [(e.clientX - rect.left) / rect.width, (e.clientY - rect.top) / rect.height];
  }

  down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    if (this.pointerId !== null) {
      // A second finger while one is drawing: keep the first stroke, ignore this one.
      this.onMessage('One finger at a time: the second touch is ignored.');
      return;
    }
    this.pointerId = e.pointerId;
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic events may have no active pointer to capture; drawing still works.
    }
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.segment(this.current, 0);
    this.onChange();
  }

  move(e) {
    if (e.pointerId !== this.pointerId || !this.current) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    const start = this.current.length - 1;
    for (const ce of events.length ? events : [e]) this.current.push(this.point(ce));
    this.segment(this.current, start);
    this.onChange();
  }

  up(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    this.current = null;
    this.onChange();
  }

  /** Removes the last stroke. */
  undo() {
    if (this.current) this.endStroke();
    this.strokes.pop();
    this.redraw();
    this.onChange();
  }

  /** Removes every stroke, also one being drawn (its pointer is then ignored until lifted). */
  clear() {
    if (this.current) this.endStroke();
    this.strokes = [];
    this.redraw();
    this.onChange();
  }

  endStroke() {
    if (this.pointerId !== null && this.canvas.hasPointerCapture?.(this.pointerId)) {
      this.canvas.releasePointerCapture(this.pointerId);
    }
    this.pointerId = null;
    this.current = null;
  }

  /** Draws an array of strokes given in pad units (for tests and demos). */
  setStrokes(strokes) {
    this.strokes = strokes.map((s) => s.map(([x, y]) => [x, y]));
    this.redraw();
    this.onChange();
  }

  style(ctx, side) {
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = STROKE * side;
    ctx.strokeStyle = ctx === this.inkCtx ? '#000' : this.inkColour;
    ctx.fillStyle = ctx.strokeStyle;
  }

  /** Draws stroke points from index `from` on, on both canvases. */
  segment(stroke, from) {
    for (const [ctx, w, h] of [
      [this.ctx, this.canvas.width, this.canvas.height],
      [this.inkCtx, INK_SIDE, INK_SIDE],
    ]) {
      this.style(ctx, Math.min(w, h));
      ctx.beginPath();
      const [x0, y0] = stroke[from];
      ctx.moveTo(x0 * w, y0 * h);
      if (stroke.length === 1) {
        ctx.arc(x0 * w, y0 * h, ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      for (let i = from + 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0] * w, stroke[i][1] * h);
      ctx.stroke();
    }
  }

  redraw() {
    this.inkColour = getComputedStyle(this.canvas).getPropertyValue('--ink').trim() || '#111';
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.inkCtx.clearRect(0, 0, INK_SIDE, INK_SIDE);
    for (const s of this.strokes) this.segment(s, 0);
  }
}
