// Its mistakes: the test digits the pad's network reads wrong, as a grid of 28×28
// thumbnails with the true digit and the guess, the surest first. The lab worker finds them
// (it holds the test set); picking one follows it in #follow with its true label.

import { request } from './lab-client.js';

/** The words this module shows (one place, for translation). */
const TEXT = {
  finding: 'Reading the 10,000 test digits…',
  count: (n, total, label) => `${label} reads ${n.toLocaleString('en')} of ${total.toLocaleString('en')} test digits wrong${n > MAX_SHOWN ? ` (the ${MAX_SHOWN} it was surest of shown)` : ''}.`,
  item: (m) => `Test digit ${m.index}: a ${m.label} read as ${m.guess}, ${Math.round(m.confidence * 100)} percent sure. Follow it.`,
  caption: (m) => `${m.label}→${m.guess}`,
  failed: (e) => `The mistakes could not be found: ${e}`,
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
    this.count.textContent = TEXT.finding;
    try {
      const reply = await request('mistakes', { bytes: model.toBytes(), max: MAX_SHOWN });
      this.draw(reply);
      this.count.textContent = TEXT.count(reply.list.length, reply.total, label);
      this.grid.dataset.count = String(reply.list.length);
      this.grid.dataset.state = 'shown';
    } catch (e) {
      this.count.textContent = TEXT.failed(e instanceof Error ? e.message : String(e));
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
      button.setAttribute('aria-label', TEXT.item(m));
      button.title = TEXT.item(m);
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
