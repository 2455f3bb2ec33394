// See inside: each hidden unit's 784 incoming weights (a column of w1) as a 28×28
// image, lit by the unit's activation a1 for the current drawing, with the unit's
// outgoing weights (its row of w2) as ten small bars: which digits it votes for.

import { fixed, formatNumber, msg, setAttrs, setText } from './i18n.js';
import { drawWhenSeen } from './when-seen.js';

/** Units drawn at most (a wide network would make a wall of squares). */
const MAX_UNITS = 64;

const grid = document.getElementById('units');
const note = document.getElementById('units-note');
let cells = [];
/** The hidden width of the network whose squares are drawn (0: none yet). */
let shownHidden = 0;
let activationName = 'sigmoid';

const DIGITS_2 = { minimumFractionDigits: 2, maximumFractionDigits: 2 };

function rgb(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim().split(',').map(Number);
}

/** The network on the pad, whose squares a draw shows (the one before it may have been freed). */
let latest = null;
const request = drawWhenSeen(grid, () => draw(latest));

/**
 * Makes `model` (a wasm Model) the network whose squares are shown, and with `redraw` asks for them to be drawn: at
 * once when the grid is on or near the screen, else when the page is next idle (drawn while the page started, its 28
 * squares and 280 vote bars, each with a number in its title, were about a third of the time from opening the page
 * to its first reading of a digit). Without `redraw` a draw already asked for still shows this network.
 */
export function showWeights(model, redraw = true) {
  latest = model;
  if (redraw) request();
}

/** Rebuilds the squares for `model`: w1 (784×h) and w2 (h×10). */
function draw(model) {
  const h = model.hidden;
  shownHidden = h;
  activationName = model.activation;
  const w1 = model.weights1();
  const w2 = model.weights2();
  const n = Math.min(h, MAX_UNITS);
  const pos = rgb('--pos');
  const neg = rgb('--neg');
  if (cells.length !== n) {
    grid.replaceChildren();
    cells = [];
    for (let j = 0; j < n; j++) {
      const fig = document.createElement('figure');
      fig.className = 'unit';
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      canvas.setAttribute('role', 'img');
      const votes = document.createElement('div');
      votes.className = 'votes';
      votes.setAttribute('aria-hidden', 'true');
      const bars = [];
      for (let k = 0; k < 10; k++) bars.push(votes.appendChild(document.createElement('i')));
      const caption = document.createElement('figcaption');
      caption.className = 'a';
      fig.append(canvas, votes, caption);
      grid.append(fig);
      cells.push({ canvas, ctx: canvas.getContext('2d'), bars, caption, image: null });
    }
  }
  for (let j = 0; j < n; j++) {
    const cell = cells[j];
    // Colour by sign, scaled by this unit's largest |weight|.
    let max = 1e-12;
    for (let i = 0; i < 784; i++) max = Math.max(max, Math.abs(w1[i * h + j]));
    const image = cell.ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = w1[i * h + j] / max;
      const c = v >= 0 ? pos : neg;
      image.data.set([c[0], c[1], c[2], Math.round(Math.min(1, Math.abs(v)) * 255)], 4 * i);
    }
    cell.ctx.putImageData(image, 0, 0);
    let vmax = 1e-12;
    for (let k = 0; k < 10; k++) vmax = Math.max(vmax, Math.abs(w2[j * 10 + k]));
    let best = 0;
    cell.bars.forEach((bar, k) => {
      const v = w2[j * 10 + k];
      if (v > w2[j * 10 + best]) best = k;
      bar.style.height = `${Math.max(6, (Math.abs(v) / vmax) * 100)}%`;
      bar.className = v >= 0 ? 'up' : 'down';
      setAttrs(bar, { title: msg('inside.vote', { digit: k, weight: fixed(v, 2) }) });
    });
    cell.best = best;
    setAttrs(cell.canvas, { 'aria-label': msg('inside.unit', { unit: j + 1, best }) });
  }
  setText(
    note,
    h > n
      ? msg('inside.someUnits', { shown: n, total: h })
      : msg('inside.allUnits', { count: h, activation: model.activation }),
  );
  showActivations(null);
}

/** Lights each unit by its activation a1 (h values), or shows the weights plainly for null. */
export function showActivations(a1) {
  // (While a network's squares wait to be drawn, those shown may be another network's, of another width, or none.)
  if (!shownHidden || (a1 && a1.length !== shownHidden)) return;
  let max = 1e-12;
  if (a1) for (let j = 0; j < cells.length; j++) max = Math.max(max, a1[j]);
  const scale = activationName === 'sigmoid' ? 1 : max;
  cells.forEach((cell, j) => {
    if (!a1) {
      cell.canvas.style.opacity = '1';
      cell.canvas.classList.remove('lit');
      cell.caption.textContent = `#${j + 1} → ${cell.best}`;
      return;
    }
    const a = Math.max(0, a1[j]) / scale;
    cell.canvas.style.opacity = String(0.15 + 0.85 * Math.min(1, a));
    cell.canvas.classList.toggle('lit', a > 0.8);
    cell.caption.textContent = `#${j + 1} → ${cell.best}  ${formatNumber(a1[j], DIGITS_2)}`;
  });
}
