// What the network sees and what it thinks: the 28×28 preview, the ten bars and the top digit.

import { formatNumber, msg, setAttrs, setText } from './i18n.js';

const bars = [...document.querySelectorAll('#bars li')];
const prediction = document.getElementById('prediction');
const predictionLabel = document.getElementById('prediction-label');
const preview = /** @type {HTMLCanvasElement} */ (document.getElementById('preview'));
const previewCtx = preview.getContext('2d');
const previewImage = previewCtx.createImageData(28, 28);

/** Shows 784 pixels in [0, 1] (MNIST: white ink on black), or a blank frame for null. */
export function showPreview(pixels) {
  const d = previewImage.data;
  for (let i = 0; i < 784; i++) {
    const v = pixels ? Math.round(pixels[i] * 255) : 0;
    d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = v;
    d[4 * i + 3] = 255;
  }
  previewCtx.putImageData(previewImage, 0, 0);
}

/** Intl.NumberFormat options for a percentage with `digits` decimals. */
function percentDigits(digits) {
  return { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits };
}

/**
 * Makes the number formats the bars show their percentages in, ahead of the first reading: Intl's first format takes
 * tens of milliseconds on a slow machine.
 */
export function prepareFormats() {
  formatNumber(0, percentDigits(0));
  formatNumber(0, percentDigits(1));
}

/** Shows ten probabilities (or clears the bars for null). */
export function showProbabilities(p) {
  let top = -1;
  if (p) {
    top = 0;
    for (let k = 1; k < 10; k++) if (p[k] > p[top]) top = k;
  }
  bars.forEach((li, k) => {
    const v = p ? p[k] : 0;
    li.dataset.p = String(v);
    li.style.setProperty('--p', String(v));
    li.classList.toggle('top', k === top);
    li.querySelector('.v').textContent = p ? formatNumber(v, percentDigits(v < 0.1 ? 1 : 0)) : '';
    if (p) {
      setAttrs(li, { 'aria-label': msg('bars.item', { digit: k, p: { n: v, ...percentDigits(1) } }) });
    } else {
      li.removeAttribute('data-i18n-attr');
      li.setAttribute('aria-label', String(k));
    }
  });
  prediction.textContent = top < 0 ? '' : String(top);
  setText(
    predictionLabel,
    top < 0 ? msg('verdict.empty') : msg('verdict.sure', { p: { n: p[top], ...percentDigits(p[top] > 0.995 ? 1 : 0) } }),
  );
}
