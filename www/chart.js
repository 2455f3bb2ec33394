// A small line chart on a canvas: x = epochs (fractional), one or more series of
// lines or dots, redrawn whole (a few hundred points at most), crisp on high-DPI screens.

import { onLanguageChange } from './i18n.js';
import { drawWhenSeen } from './when-seen.js';

export class Chart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{yMin?: number, yMax?: number, lower?: number[], format: (y: number) => string}} options
   *   a fixed range (accuracy), or a range that follows the data (loss); with `lower`, a fixed range whose bottom
   *   goes down to the first of these below each series' latest point (the accuracy on distorted images stays far
   *   below the test accuracy; a run's first points are below the range and are left out, as before)
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
    if (this.options.yMin === undefined) yMin = Math.max(0, yMin - 0.05 * (yMax - yMin));
    if (yMax - yMin < 1e-6) yMax = yMin + 1;
    const x = (v) => left + ((W - left - right) * v) / this.xMax;
    const y = (v) => top + (H - top - bottom) * (1 - (v - yMin) / (yMax - yMin));

    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = colour('--grid');
    ctx.fillStyle = colour('--muted');
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const v = yMin + ((yMax - yMin) * i) / 4;
      ctx.beginPath();
      ctx.moveTo(left, Math.round(y(v)) + 0.5);
      ctx.lineTo(W - right, Math.round(y(v)) + 0.5);
      ctx.stroke();
      ctx.fillText(this.options.format(v), left - 6, y(v));
    }
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
