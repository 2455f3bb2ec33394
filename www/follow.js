// Follow one digit: every quantity of the derivation for the image on the pad (or a test
// digit picked from the mistakes), computed by the Rust core in one call (Model.follow) and
// drawn in the order of the equations. Each [data-quantity] element shows its numbers (row-major) on hover or focus
// (arrow keys move); `shownValues` gives them all, as the page holds them.

import { msg, onLanguageChange, setText, t } from './i18n.js';

/** The words this module shows, in the page's language (www/i18n/*.json): descriptors for the lines kept in the
 * DOM, strings for the readouts and titles, which are redrawn on a change of language. */
const TEXT = {
  fromPad: () => msg('follow.source.pad'),
  fromTest: (i, label, guess) => msg('follow.source.test', { index: String(i), label, guess }),
  empty: () => msg('follow.source.none'),
  label: (y, chosen) => t(chosen ? 'follow.label.chosen' : 'follow.label.guess', { digit: y }),
  index: (i) => `[${i}]`,
  pixel: (r, c) => t('follow.pixel', { row: r, column: c }),
  unit: (j) => t('follow.unit', { unit: j }),
  digit: (k) => t('follow.digit', { digit: k }),
  unitDigit: (j, k) => t('follow.unitDigit', { unit: j, digit: k }),
  unitPixel: (j, r, c) => t('follow.unitPixel', { unit: j, row: r, column: c }),
  units: (n, h) => msg('follow.units', { shown: n, total: h }),
};

/** Hidden units drawn at most in ∂L/∂w₁ (a wide network would make a wall of images). */
const MAX_UNITS = 64;
const NAMES = ['a0', 'z1', 'a1', 'z2', 'a2', 'y', 'loss', 'delta2', 'dw2', 'db2', 'delta1', 'dw1', 'db1', 'a2_after'];

const root = document.getElementById('follow');
const sourceLine = document.getElementById('follow-source');
/** name → {el, pic, readout, kind, values, cursor, …} */
const views = new Map();

function rgb(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim().split(',').map(Number);
}

/** The colours of positive and negative values, read once per colour scheme (reading styles costs a layout). */
let colours = null;
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  colours = null;
  if (shown) showDerivation(shown, shownSource, shownChosen, shownNudge);
});

function fmt(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? v.toFixed(a < 1 ? 4 : 3) : v.toExponential(2);
}

/** Colours a signed value v/max as an RGBA pixel: --pos or --neg, opacity by size. */
function paint(data, offset, v, max, pos, neg) {
  const c = v >= 0 ? pos : neg;
  data[offset] = c[0];
  data[offset + 1] = c[1];
  data[offset + 2] = c[2];
  data[offset + 3] = Math.round(Math.min(1, Math.abs(v) / max) * 255);
}

for (const el of root.querySelectorAll('[data-quantity]')) {
  const name = el.dataset.quantity;
  const view = {
    el,
    name,
    pic: el.querySelector('.pic'),
    readout: el.querySelector('.readout'),
    kind: el.classList.contains('image') ? 'image' : el.classList.contains('heat') ? 'heat'
      : el.classList.contains('units') ? 'units' : el.classList.contains('scalar') ? 'scalar' : 'vector',
    digits: el.classList.contains('digits'),
    values: null,
    cursor: 0,
    hover: -1,
    h: 0,
  };
  views.set(name, view);
  el.addEventListener('pointermove', (e) => {
    const i = indexAt(view, e);
    if (i >= 0) {
      view.hover = i;
      showReadout(view, i);
      check(view, i);
    }
  });
  el.addEventListener('pointerleave', () => {
    view.hover = -1;
    showReadout(view, document.activeElement === el ? view.cursor : -1);
  });
  el.addEventListener('focus', () => {
    showReadout(view, view.cursor);
    check(view, view.cursor);
  });
  el.addEventListener('blur', () => showReadout(view, -1));
  el.addEventListener('keydown', (e) => {
    if (!view.values) return;
    const across = view.kind === 'image' ? 28 : view.kind === 'heat' ? 10 : view.kind === 'units' ? view.h : 1;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: across, ArrowUp: -across }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    view.cursor = Math.max(0, Math.min(view.values.length - 1, view.cursor + step));
    showReadout(view, view.cursor);
    check(view, view.cursor);
  });
}

/** Which value of `view` the pointer is over, or −1. */
function indexAt(view, e) {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.dataset.i !== undefined) return Number(target.dataset.i);
  if (!(target instanceof HTMLCanvasElement)) return -1;
  const box = target.getBoundingClientRect();
  const x = Math.floor(((e.clientX - box.left) / box.width) * target.width);
  const y = Math.floor(((e.clientY - box.top) / box.height) * target.height);
  if (x < 0 || y < 0 || x >= target.width || y >= target.height) return -1;
  if (view.kind === 'image') return y * 28 + x;
  // ∂L/∂w₂ is drawn transposed: columns are hidden units, rows digits; stored (h, 10).
  if (view.kind === 'heat') return x * 10 + y;
  if (view.kind === 'units') return (y * 28 + x) * view.h + Number(target.dataset.unit);
  // A vector's columns: as many pixels each as the canvas is wide over the values.
  if (view.kind === 'vector') return Math.floor((x * view.values.length) / target.width);
  return -1;
}

/** What value i of `view` is, in words and numbers. */
function describe(view, i) {
  const v = view.values[i];
  switch (view.kind) {
    case 'image':
      return `${TEXT.pixel(Math.floor(i / 28), i % 28)}: ${fmt(v)}`;
    case 'heat':
      return `${TEXT.unitDigit(Math.floor(i / 10), i % 10)}: ${fmt(v)}`;
    case 'units': {
      const pixel = Math.floor(i / view.h);
      return `${TEXT.unitPixel(i % view.h, Math.floor(pixel / 28), pixel % 28)}: ${fmt(v)}`;
    }
    case 'scalar':
      return view.name === 'y' ? view.text : fmt(v);
    default:
      return `${view.digits ? TEXT.digit(i) : TEXT.unit(i)}: ${fmt(v)}`;
  }
}

function showReadout(view, i) {
  if (!view.values || i < 0 || i >= view.values.length) {
    view.readout.textContent = view.kind === 'scalar' && view.values ? describe(view, 0) : '';
    return;
  }
  view.readout.textContent = describe(view, i);
}

/**
 * Bars for a vector: zero in the middle for signed values, at the bottom for [0, 1]. The digits' (10) are ten
 * elements with their labels; the hidden units' (h) are drawn on a canvas, a column of pixels each, where h elements
 * each (four vectors of them) were restyled, laid out and painted at every frame of a stroke, and a wide network's
 * spilled over their neighbours.
 */
function drawVector(view, values, pos, neg) {
  const unit = view.name === 'a1' || view.name === 'a2' || view.name === 'a2_after';
  let max = 1e-12;
  for (const v of values) max = Math.max(max, Math.abs(v));
  if (unit) max = Math.max(max, 1);
  const signed = values.some((v) => v < 0);
  if (!view.digits) {
    drawColumns(view, values, max, signed, pos, neg);
    return;
  }
  if (view.bars?.length !== values.length) {
    view.pic.replaceChildren();
    view.pic.className = 'pic bars-v with-digits';
    view.bars = [];
    for (let i = 0; i < values.length; i++) {
      const bar = document.createElement('i');
      bar.dataset.i = String(i);
      bar.dataset.digit = String(i);
      view.bars.push(view.pic.appendChild(bar));
    }
  }
  view.pic.classList.toggle('signed', signed);
  view.bars.forEach((bar, i) => {
    const v = values[i];
    bar.style.setProperty('--v', (Math.abs(v) / max).toFixed(4));
    bar.className = v >= 0 ? 'up' : 'down';
    bar.dataset.v = String(v);
    bar.title = describe(view, i);
  });
}

/** A vector's bars on a canvas: four pixels a value up to 64 (three of bar, one of gap), scaled crisply; one beyond. */
function drawColumns(view, values, max, signed, pos, neg) {
  const n = values.length;
  const per = n <= 64 ? 4 : 1;
  if (canvasFor(view, n * per, 64)) view.pic.className = `pic bars-v columns${per > 1 ? ' crisp' : ''}`;
  view.pic.classList.toggle('signed', signed);
  const { ctx } = view;
  const base = signed ? 32 : 64;
  ctx.clearRect(0, 0, n * per, 64);
  for (const [colour, positive] of [[pos, true], [neg, false]]) {
    ctx.fillStyle = `rgb(${colour})`;
    values.forEach((v, i) => {
      if (v >= 0 !== positive) return;
      const size = (Math.abs(v) / max) * base;
      ctx.fillRect(i * per, positive ? base - size : 32, Math.max(1, per - 1), size);
    });
  }
}

/** Makes `view`'s picture a canvas of w × h pixels, unless it is one of that width already: true when it was made. */
function canvasFor(view, w, h) {
  if (view.canvas?.width === w) return false;
  view.canvas = Object.assign(document.createElement('canvas'), { width: w, height: h });
  view.pic.replaceChildren(view.canvas);
  view.ctx = view.canvas.getContext('2d');
  return true;
}

function drawImage(view, values) {
  if (canvasFor(view, 28, 28)) view.image = view.ctx.createImageData(28, 28);
  const d = view.image.data;
  for (let i = 0; i < 784; i++) {
    const g = Math.round(values[i] * 255);
    d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = g;
    d[4 * i + 3] = 255;
  }
  view.ctx.putImageData(view.image, 0, 0);
}

function drawHeat(view, values, h, pos, neg) {
  if (canvasFor(view, h, 10)) view.image = view.ctx.createImageData(h, 10);
  let max = 1e-12;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const d = view.image.data;
  for (let j = 0; j < h; j++) for (let k = 0; k < 10; k++) paint(d, 4 * (k * h + j), values[j * 10 + k], max, pos, neg);
  view.ctx.putImageData(view.image, 0, 0);
}

function drawUnits(view, values, h, pos, neg) {
  const n = Math.min(h, MAX_UNITS);
  if (view.cells?.length !== n || view.h !== h) {
    view.pic.replaceChildren();
    view.cells = [];
    for (let j = 0; j < n; j++) {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      canvas.dataset.unit = String(j);
      const ctx = canvas.getContext('2d');
      view.cells.push({ canvas, ctx, image: ctx.createImageData(28, 28) });
      view.pic.append(canvas);
    }
    if (h > n) {
      const note = Object.assign(document.createElement('span'), { className: 'small' });
      setText(note, TEXT.units(n, h));
      view.pic.append(note);
    }
  }
  // One scale for all units, so that the units the error flows back to stand out.
  let max = 1e-12;
  for (const v of values) max = Math.max(max, Math.abs(v));
  view.cells.forEach((cell, j) => {
    const d = cell.image.data;
    for (let i = 0; i < 784; i++) paint(d, 4 * i, values[i * h + j], max, pos, neg);
    cell.ctx.putImageData(cell.image, 0, 0);
  });
}

// ---- the check by nudging -------------------------------------------------------------------------------------

/** The gradients that can be checked: view name → the parameter tensor (as nudge.js names it) and its symbol. */
const TENSORS = {
  dw1: { tensor: 'w1', symbol: 'w₁' },
  db1: { tensor: 'b1', symbol: 'b₁' },
  dw2: { tensor: 'w2', symbol: 'w₂' },
  db2: { tensor: 'b2', symbol: 'b₂' },
};
const nudgeBox = document.getElementById('nudge');
/** The entry checked, {name, i}, once a person has pointed at or focused one; until then the largest of ∂L/∂w₂. */
let checked = null;
/** (tensor, index) → the check of that entry (nudge.js), for the derivation on show. */
let shownNudge = null;

/** `x` to `n` significant digits; below 10⁻⁴ as m×10⁻ᵏ (one word, which a line does not break). */
function sig(x, n = 6) {
  if (x === 0 || Math.abs(x) >= 1e-4) return String(Number(x.toPrecision(n)));
  const [m, e] = x.toExponential(n - 1).split('e');
  return `${Number(m)}×10${[...e.replace('+', '')].map((c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]).join('')}`;
}

/** Checks entry i of gradient view `view`, when it is one (∂L/∂w₁, ∂L/∂b₁, ∂L/∂w₂, ∂L/∂b₂). */
function check(view, i) {
  if (!TENSORS[view.name] || !view.values || i < 0 || i >= view.values.length) return;
  checked = { name: view.name, i };
  showCheck();
}

/**
 * Shows the check of the chosen entry (or of ∂L/∂w₂'s largest off y) for the derivation on show: the parameter, backprop's
 * ∂L/∂θ as the product the derivation forms, the central difference of the loss nudged by ±ε, and whether they agree.
 */
function showCheck() {
  const d = shown;
  const field = (id, text) => (document.getElementById(id).textContent = text);
  if (!d || !shownNudge) {
    for (const id of ['nudge-entry', 'nudge-backprop', 'nudge-slope', 'nudge-verdict']) field(id, '');
    delete nudgeBox.dataset.tensor;
    return;
  }
  const h = d.z1.length;
  let { name, i } = checked ?? { name: 'dw2', i: -1 };
  const gradient = d[name];
  if (i < 0 || i >= gradient.length) {
    // The largest entry of ∂L/∂w₂ for a digit other than y (also for a chosen entry past a narrower network's end):
    // digit y's column is made from a₂[y] − 1, which single precision keeps only a few digits of when a₂[y] is near 1.
    name = 'dw2';
    i = d.y === 0 ? 1 : 0;
    d.dw2.forEach((v, k) => k % 10 !== d.y && Math.abs(v) > Math.abs(d.dw2[i]) && (i = k));
  }
  const { tensor, symbol } = TENSORS[name];
  const backprop = d[name][i];
  // Which parameter, and backprop's product for it: ∂L/∂w₁[p, j] = a₀[p]·δ₁[j], ∂L/∂b₁[j] = δ₁[j],
  // ∂L/∂w₂[j, k] = a₁[j]·δ₂[k], ∂L/∂b₂[k] = δ₂[k].
  const [p, j] = [Math.floor(i / h), i % h];
  const [u, k] = [Math.floor(i / 10), i % 10];
  const [where, index, product] = {
    w1: () => [TEXT.unitPixel(j, Math.floor(p / 28), p % 28), `${p}, ${j}`, `a₀[${p}] · δ₁[${j}] = ${sig(d.a0[p], 5)} × ${sig(d.delta1[j], 5)}`],
    b1: () => [TEXT.unit(i), `${i}`, `δ₁[${i}]`],
    w2: () => [TEXT.unitDigit(u, k), `${u}, ${k}`, `a₁[${u}] · δ₂[${k}] = ${sig(d.a1[u], 5)} × ${sig(d.delta2[k], 5)}`],
    b2: () => [TEXT.digit(i), `${i}`, `δ₂[${i}]`],
  }[tensor]();
  field('nudge-entry', `${symbol}[${index}]: ${where}`);
  field('nudge-backprop', `∂L/∂${symbol}[${index}] = ${product} = ${sig(backprop)}`);
  let n;
  try {
    n = shownNudge(tensor, i);
  } catch {
    // (The network it was asked of is gone, freed when the pad changed networks: the next derivation brings its own.)
    field('nudge-slope', '');
    field('nudge-verdict', '');
    return;
  }
  // The losses to as many decimals as show their difference to four digits.
  const change = n.lossPlus - n.lossMinus;
  const decimals = Math.min(15, Math.max(6, 3 - Math.floor(Math.log10(Math.abs(change) || 1))));
  field('nudge-slope', `(L(θ + ε) − L(θ − ε)) / 2ε = (${n.lossPlus.toFixed(decimals)} − ${n.lossMinus.toFixed(decimals)}) / ${2 * n.epsilon} = ${sig(n.slope)}`);
  const larger = Math.max(Math.abs(backprop), Math.abs(n.slope));
  const share = Math.abs(backprop - n.slope) / larger;
  let verdict;
  if (n.kink) verdict = t('follow.check.kink', { unit: tensor === 'w1' ? j : i });
  else if (tensor === 'w1' && d.a0[p] === 0 && backprop === 0 && n.slope === 0) {
    verdict = t('follow.check.blank', { row: Math.floor(p / 28), column: p % 28 });
  } else if (larger < 1e-9) verdict = t('follow.check.zero');
  else if (share === 0) verdict = t('follow.check.exact');
  else {
    // Agreement is as many digits as backprop's single precision keeps of this entry (nudge.js's digitsKept), give or
    // take one; fewer is a difference.
    const digits = Math.min(7, Math.floor(-Math.log10(share)));
    if (digits < Math.min(n.kept, 6) - 1) verdict = t('follow.check.off', { share: `${sig(share * 100, 2)}%` });
    else verdict = t(n.kept < 6 ? 'follow.check.agreeKept' : 'follow.check.agree', { count: Math.max(digits, 0) });
  }
  field('nudge-verdict', verdict);
  Object.assign(nudgeBox.dataset, { tensor, index: String(i), backprop: String(backprop), slope: String(n.slope) });
}

let shown = null;
let shownSource = { kind: 'pad' };
let shownChosen = false;
// The readouts and titles are written in the page's language: a change of language redraws them.
onLanguageChange(() => shown && showDerivation(shown, shownSource, shownChosen, shownNudge));

/**
 * Shows a derivation (the object Model.follow returns), or clears the section for null.
 * `source` says where the image came from: {kind: 'pad'} or {kind: 'test', index, label, guess}.
 * `nudge(tensor, index)` checks one derivative of it by nudging (nudge.js, with its network's activation and w2).
 */
export function showDerivation(d, source = { kind: 'pad' }, chosen = false, nudge = null) {
  shown = d;
  shownSource = source;
  shownChosen = chosen;
  shownNudge = d ? nudge : null;
  showCheck();
  root.dataset.state = d ? 'shown' : 'empty';
  if (!d) {
    setText(sourceLine, TEXT.empty());
    for (const view of views.values()) {
      view.values = null;
      view.readout.textContent = '';
    }
    return;
  }
  setText(sourceLine, source.kind === 'test' ? TEXT.fromTest(source.index, source.label, source.guess) : TEXT.fromPad());
  root.dataset.y = String(d.y);
  root.dataset.chosen = String(chosen);
  const h = d.z1.length;
  colours ??= { pos: rgb('--pos'), neg: rgb('--neg') };
  const { pos, neg } = colours;
  for (const name of NAMES) {
    const view = views.get(name);
    let values = d[name];
    if (name === 'y') values = Array.from({ length: 10 }, (_, k) => (k === d.y ? 1 : 0));
    else if (name === 'loss') values = [d.loss];
    view.values = values;
    view.h = h;
    if (name === 'y') {
      view.text = TEXT.label(d.y, chosen);
      view.pic.textContent = String(d.y);
      view.pic.className = 'pic big';
    } else if (name === 'loss') {
      view.pic.textContent = d.loss >= 1e-3 ? d.loss.toFixed(3) : d.loss.toExponential(1);
      view.pic.className = 'pic big';
    } else if (view.kind === 'image') drawImage(view, values);
    else if (view.kind === 'heat') drawHeat(view, values, h, pos, neg);
    else if (view.kind === 'units') drawUnits(view, values, h, pos, neg);
    else drawVector(view, values, pos, neg);
    const i = view.hover >= 0 ? view.hover : document.activeElement === view.el ? view.cursor : -1;
    showReadout(view, i);
  }
}

/**
 * Every quantity on show, name → its numbers as a plain Array (y one-hot, the loss an Array of one), or null when
 * nothing is shown: what the tests read. (Each quantity was kept as JSON in a data-values attribute, rewritten at
 * every frame of a stroke: for 256 hidden units, 200,000 numbers of ∂L/∂w₁ a frame.)
 */
export function shownValues() {
  if (!shown) return null;
  return Object.fromEntries([...views].filter(([, view]) => view.values).map(([name, view]) => [name, Array.from(view.values)]));
}
