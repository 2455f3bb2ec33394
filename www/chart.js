// A small line chart on a canvas: x = epochs (fractional), one or more series of
// lines or dots, redrawn whole (a few hundred points at most), crisp on high-DPI screens.

import { onLanguageChange } from './i18n.js';
import { drawWhenSeen } from './when-seen.js';

export class Chart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{yMin?: number, yMax?: number, lower?: number[], format: (y: number, tickDigits?: number) => string}} options
   *   a fixed range (accuracy), or a range that follows the data (loss); with `lower`, a fixed range whose bottom
   *   goes down to the first of these below each series' latest point (the accuracy on distorted images stays far
   *   below the test accuracy; a run's first points are below the range and are left out, as before); `format`
   *   prints an axis label, given for a range that follows the data the fraction digits of its lines' step
   */
  constructor(canvas, options) {
    this.canvas = canvas;
    this.options = options;
    /** @type {Array<{points: Array<[number, number]>, colour: string, dots: boolean}>} */
    this.series = [];
    this.xMax = 1;
    // Drawn when the chart is on or near the screen, else when the page is idle: the charts sit far below the pad.
    this.request = drawWhenSeen(canvas, () => this.draw());
    new ResizeObserver(this.request).observe(canvas);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', this.request);
    // The axis labels are numbers of the page's language.
    onLanguageChange(this.request);
  }

  reset(xMax, seriesStyles) {
    this.xMax = Math.max(1, xMax);
    this.series = seriesStyles.map(({ colour, dots }) => ({ points: [], colour, dots }));
    // At the next frame, as for a point added: measured now, the chart's size would force a layout of the page.
    this.scheduleDraw();
  }

  add(series, x, y) {
    if (!Number.isFinite(y)) return;
    this.series[series]?.points.push([x, y]);
    this.scheduleDraw();
  }

  scheduleDraw() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.request();
    });
  }

  draw() {
    const { canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    if (rect.width === 0) return;
    canvas.width = Math.round(rect.width * dpr);
    canvas.height = Math.round(rect.height * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(document.documentElement);
    const colour = (name) => css.getPropertyValue(name).trim();
    const W = rect.width, H = rect.height;
    const left = 44, right = 10, top = 10, bottom = 24;
    const all = this.series.flatMap((s) => s.points.map((p) => p[1]));
    let yMin = this.options.yMin ?? (all.length ? Math.min(...all) : 0);
    const low = Math.min(...this.series.filter((s) => s.points.length).map((s) => s.points.at(-1)[1]));
    if (this.options.yMin !== undefined && low < yMin) yMin = this.options.lower?.find((v) => v <= low) ?? yMin;
    canvas.dataset.yMin = String(yMin);
    let yMax = this.options.yMax ?? (all.length ? Math.max(...all) : 1);
    if (yMax - yMin < 1e-6) yMax = yMin + 1;
    // A fixed range is cut in four; a range that follows the data is widened to round lines, 1, 2 or 5 × 10ᵏ apart
    // (the loss from 0.137 to 0.412 is drawn from 0.1 to 0.45 with a line every 0.05), printed with that step's digits.
    let tick = (yMax - yMin) / 4;
    let tickDigits;
    if (this.options.yMin === undefined) {
      [tick, tickDigits] = roundStep((yMax - yMin) / 4);
      yMin = Math.max(0, Math.floor(yMin / tick + 1e-9) * tick);
      yMax = Math.max(yMin + tick, Math.ceil(yMax / tick - 1e-9) * tick);
    }
    const x = (v) => left + ((W - left - right) * v) / this.xMax;
    const y = (v) => top + (H - top - bottom) * (1 - (v - yMin) / (yMax - yMin));

    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = colour('--grid');
    ctx.fillStyle = colour('--muted');
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const lines = Math.round((yMax - yMin) / tick);
    const labels = [];
    for (let i = 0; i <= lines; i++) {
      const v = yMin + ((yMax - yMin) * i) / lines;
      ctx.beginPath();
      ctx.moveTo(left, Math.round(y(v)) + 0.5);
      ctx.lineTo(W - right, Math.round(y(v)) + 0.5);
      ctx.stroke();
      const label = this.options.format(v, tickDigits);
      labels.push(label);
      ctx.fillText(label, left - 6, y(v));
    }
    canvas.dataset.ticks = labels.join(' ');
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(this.xMax / 10));
    for (let e = 0; e <= this.xMax; e += step) ctx.fillText(String(e), x(e), H - bottom + 6);

    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top - 4, W - left - right + 4, H - top - bottom + 8);
    ctx.clip();
    for (const s of this.series) {
      ctx.strokeStyle = ctx.fillStyle = colour(s.colour);
      ctx.lineWidth = 1.5;
      if (s.dots) {
        for (const [px, py] of s.points) {
          ctx.beginPath();
          ctx.arc(x(px), y(py), 3.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      } else if (s.points.length) {
        ctx.beginPath();
        s.points.forEach(([px, py], i) => (i ? ctx.lineTo(x(px), y(py)) : ctx.moveTo(x(px), y(py))));
        ctx.stroke();
      }
    }
    ctx.restore();
  }
}

/**
 * The round step, 1, 2 or 5 × 10ᵏ, at least `raw` (> 0), and the fraction digits that print its multiples exactly.
 * @returns {[number, number]}
 */
export function roundStep(raw) {
  const k = Math.floor(Math.log10(raw));
  const m = raw / 10 ** k;
  const [mantissa, power] = m <= 1 + 1e-9 ? [1, k] : m <= 2 ? [2, k] : m <= 5 ? [5, k] : [1, k + 1];
  // 10ᵏ as a division for negative k, so that 0.1 is 1 / 10, not 0.1000000000000000055…× 1.
  const step = power < 0 ? mantissa / 10 ** -power : mantissa * 10 ** power;
  return [step, Math.max(0, -power)];
}
