// Its mistakes: the test digits the pad's network reads wrong, as a grid of 28×28
// thumbnails with the true digit and the guess, the surest first. The lab worker finds them
// (it holds the test set); picking one follows it in #follow with its true label.

import { request } from './lab-client.js';
import { msg, percent, setAttrs, setText } from './i18n.js';
import { errorMessage } from './core-errors.js';

/** The words this module shows, as message descriptors of the page's string tables (www/i18n/*.json). */
const TEXT = {
  finding: () => msg('mistakes.finding', { total: 10000 }),
  count: (n, total, label) =>
    msg(n > MAX_SHOWN ? 'mistakes.count.some' : 'mistakes.count', { label, count: n, total, shown: MAX_SHOWN }),
  item: (m) => msg('mistakes.item', { index: String(m.index), label: m.label, guess: m.guess, p: percent(m.confidence, 0) }),
  caption: (m) => `${m.label}→${m.guess}`,
  failed: (e) => msg('mistakes.failed', { error: errorMessage(e) }),
};

/** Thumbnails drawn at most. */
const MAX_SHOWN = 300;

const $ = (id) => document.getElementById(id);

export class Mistakes {
  /**
   * @param {import('./models.js').Models} models the networks; the one on the pad is looked at
   * @param {import('./teach.js').Teacher} teacher follows the digit picked
   */
  constructor(models, teacher) {
    this.models = models;
    this.teacher = teacher;
    this.grid = $('mistakes');
    this.count = $('mistakes-count');
    this.button = /** @type {HTMLButtonElement} */ ($('show-mistakes'));
    this.button.addEventListener('click', () => this.show());
  }

  async show() {
    const entry = this.models.active;
    if (!entry) return;
    const { model, label } = entry;
    this.button.disabled = true;
    this.grid.dataset.state = 'busy';
    setText(this.count, TEXT.finding());
    try {
      const reply = await request('mistakes', { bytes: model.toBytes(), max: MAX_SHOWN });
      this.draw(reply);
      setText(this.count, TEXT.count(reply.list.length, reply.total, label));
      this.grid.dataset.count = String(reply.list.length);
      this.grid.dataset.state = 'shown';
    } catch (e) {
      setText(this.count, TEXT.failed(e));
      this.grid.dataset.state = 'error';
    } finally {
      this.button.disabled = false;
    }
  }

  draw({ list, images }) {
    const items = list.slice(0, images.length / 784).map((m, n) => {
      const bytes = images.subarray(n * 784, (n + 1) * 784);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'mistake';
      button.dataset.index = String(m.index);
      button.dataset.label = String(m.label);
      button.dataset.guess = String(m.guess);
      button.dataset.confidence = String(m.confidence);
      setAttrs(button, { 'aria-label': TEXT.item(m), title: TEXT.item(m) });
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      const ctx = canvas.getContext('2d');
      const image = ctx.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = bytes[i];
        image.data[4 * i + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      const caption = document.createElement('span');
      caption.textContent = TEXT.caption(m);
      const sure = document.createElement('span');
      sure.className = 'sure';
      sure.textContent = `${Math.round(m.confidence * 100)}%`;
      button.append(canvas, caption, sure);
      const pixels = Float32Array.from(bytes, (p) => p / 255);
      button.addEventListener('click', () => this.teacher.followTest({ index: m.index, label: m.label, guess: m.guess, pixels }));
      return button;
    });
    this.grid.replaceChildren(...items);
  }
}
