// The drawing pad: strokes from mouse, touch and pen (pointer events) or from the keyboard (arrow
// keys move a pen, Space or Enter puts it down and lifts it), undo and clear, and a transparent
// "ink" canvas, re-drawn at a fixed scale, whose alpha channel is what the Rust preprocessing
// reads. JS owns the pixels; Rust turns them into numbers.

import { msg } from './i18n.js';

/** The longer side of the drawing's bounding box on the ink canvas, in pixels (8 × MNIST's 20). */
const INK_BOX = 160;
/** The pen on the ink canvas, as a fraction of INK_BOX: MNIST's strokes are 2 to 3 of its 20 pixels (0.10, 0.13 and 0.16 read 95.5%, 96.5% and 95.5% of 200 painted test digits). */
const INK_PEN = 0.13;
/** Stroke width as a fraction of the pad's side (about an MNIST pen on a 20-pixel digit). */
const STROKE = 0.072;
/** How far an arrow key moves the keyboard pen, as a fraction of the pad's side (with Shift, a quarter of it). */
const KEY_STEP = 0.04;
/** Arrow keys as directions on the pad. */
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

export class Pad {
  /**
   * @param {HTMLCanvasElement} canvas the visible pad
   * @param {{onChange: () => void, onMessage: (message: {key: string, params: object}) => void}} hooks
   *   onMessage gets a message descriptor (i18n.js) to show
   */
  constructor(canvas, { onChange, onMessage }) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.onMessage = onMessage;
    /** @type {Array<Array<[number, number]>>} strokes in pad units (0..1) */
    this.strokes = [];
    this.current = null;
    this.pointerId = null;
    /** The keyboard pen: where it is, in pad units, and its stroke while it is down. */
    this.cursor = [0.5, 0.5];
    this.keyStroke = null;
    this.inkCtx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    this.ctx = canvas.getContext('2d');
    this.inkColour = '#111';
    // Sized when the observer first reports the canvas's size, after the page's first layout: measured here, the
    // layout would be forced while the page is still being filled in, and done again after.
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
    canvas.addEventListener('keydown', (e) => this.key(e));
    canvas.addEventListener('focus', () => {
      this.redraw();
      if (this.keyboardFocus) this.onMessage(msg('pad.keys'));
    });
    canvas.addEventListener('blur', () => {
      const lifted = this.keyStroke !== null;
      if (lifted) this.liftKeyPen();
      this.redraw();
      if (lifted) this.onChange();
    });
  }

  /** True when the pad was reached by keyboard (not clicked): the keyboard pen is then shown. */
  get keyboardFocus() {
    return document.activeElement === this.canvas && this.canvas.matches(':focus-visible');
  }

  /** Arrow keys move the keyboard pen, drawing while it is down; Space or Enter puts it down or lifts it. */
  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key in ARROWS) {
      e.preventDefault();
      const step = e.shiftKey ? KEY_STEP / 4 : KEY_STEP;
      const [dx, dy] = ARROWS[e.key];
      const clamp = (v) => Math.min(0.98, Math.max(0.02, v));
      this.cursor = [clamp(this.cursor[0] + dx * step), clamp(this.cursor[1] + dy * step)];
      if (this.keyStroke) {
        this.keyStroke.push([...this.cursor]);
        this.onChange();
      }
      this.redraw();
    } else if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      if (this.keyStroke) {
        this.liftKeyPen();
      } else if (!this.current) {
        this.keyStroke = this.current = [[...this.cursor]];
        this.strokes.push(this.current);
      }
      this.redraw();
      this.onChange();
    }
  }

  /** Ends the keyboard stroke. */
  liftKeyPen() {
    this.keyStroke = null;
    this.current = null;
  }

  /** True while a stroke is being drawn, by a pointer or the keyboard's pen. */
  get drawing() {
    return this.current !== null;
  }

  /** True when nothing is drawn. */
  get isEmpty() {
    return this.strokes.length === 0;
  }

  /**
   * The drawing as ink for the preprocessing: the strokes re-drawn on a transparent
   * canvas (alpha = ink) scaled so that their bounding box is INK_BOX pixels on its
   * longer side, with a pen INK_PEN of that: the network sees the same stroke width
   * relative to the digit (as MNIST's did) however large or small it was drawn, and
   * the canvas copied out is small whatever the size of the pad.
   * @returns {{data: Uint8ClampedArray, width: number, height: number}}
   */
  pixels() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const s of this.strokes) {
      for (const [x, y] of s) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
    const scale = INK_BOX / Math.max(x1 - x0, y1 - y0, 0.02);
    const pen = INK_PEN * INK_BOX;
    const margin = pen / 2 + 2;
    const width = Math.ceil((x1 - x0) * scale + 2 * margin);
    const height = Math.ceil((y1 - y0) * scale + 2 * margin);
    const ctx = this.inkCtx;
    ctx.canvas.width = width;
    ctx.canvas.height = height;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = pen;
    ctx.strokeStyle = ctx.fillStyle = '#000';
    for (const stroke of this.strokes) {
      const px = ([x, y]) => [(x - x0) * scale + margin, (y - y0) * scale + margin];
      ctx.beginPath();
      const [sx, sy] = px(stroke[0]);
      if (stroke.length === 1) {
        ctx.arc(sx, sy, pen / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(sx, sy);
      for (let i = 1; i < stroke.length; i++) ctx.lineTo(...px(stroke[i]));
      ctx.stroke();
    }
    return { data: ctx.getImageData(0, 0, width, height).data, width, height };
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

  /**
   * Where a pointer event is, in pad units, held to the pad: a stroke drawn on past the pad's edge runs along the
   * edge, where the pad shows it, and the network reads what the pad shows (ink off the pad, unseen, was read).
   */
  point(e) {
    const rect = this.canvas.getBoundingClientRect();
    const held = (v) => Math.min(1, Math.max(0, v));
    return [held((e.clientX - rect.left) / rect.width), held((e.clientY - rect.top) / rect.height)];
  }

  down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    if (this.keyStroke) this.liftKeyPen();
    if (this.pointerId !== null) {
      // A second finger while one is drawing: keep the first stroke, ignore this one.
      this.onMessage(msg('pad.oneFinger'));
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
    if (this.pointerId !== null && this.canvas.hasPointerCapture(this.pointerId)) {
      this.canvas.releasePointerCapture(this.pointerId);
    }
    this.pointerId = null;
    this.current = null;
    this.keyStroke = null;
  }

  style(ctx, side) {
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = STROKE * side;
    ctx.strokeStyle = this.inkColour;
    ctx.fillStyle = ctx.strokeStyle;
  }

  /** Draws stroke points from index `from` on (a stroke of one point is a dot). */
  segment(stroke, from) {
    const ctx = this.ctx;
    const { width: w, height: h } = this.canvas;
    this.style(ctx, Math.min(w, h));
    ctx.beginPath();
    const [x0, y0] = stroke[from];
    if (stroke.length === 1) {
      ctx.arc(x0 * w, y0 * h, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.moveTo(x0 * w, y0 * h);
    for (let i = from + 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0] * w, stroke[i][1] * h);
    ctx.stroke();
  }

  redraw() {
    this.inkColour = getComputedStyle(this.canvas).getPropertyValue('--ink').trim() || '#111';
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    for (const s of this.strokes) this.segment(s, 0);
    if (this.keyboardFocus) this.drawCursor();
  }

  /** The keyboard pen: a ring the size of the stroke, filled while the pen is down. */
  drawCursor() {
    const ctx = this.ctx;
    const { width: w, height: h } = this.canvas;
    const r = (STROKE * Math.min(w, h)) / 2 + 2 * (window.devicePixelRatio || 1);
    ctx.beginPath();
    ctx.arc(this.cursor[0] * w, this.cursor[1] * h, r, 0, 2 * Math.PI);
    ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
    ctx.strokeStyle = getComputedStyle(this.canvas).getPropertyValue('--accent').trim() || '#2563eb';
    ctx.stroke();
    if (this.keyStroke) {
      ctx.globalAlpha = 0.35;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
  }
}
