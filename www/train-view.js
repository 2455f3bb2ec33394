// The training panel on screen: the settings form (filled with the core's defaults), the buttons, the status,
// the progress bar, the loss and accuracy curves, the per-epoch table and the confusion matrix. It shows what it is
// told; the state it shows is kept here, in `state`, `epochs` and `epoch`, never read back from the page.

import { validateSettings } from './pkg/handwritten.js';
import { Chart } from './chart.js';

const $ = (id) => document.getElementById(id);
const percent = (v) => `${(v * 100).toFixed(2)}%`;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The form's fields: element id → [setting name, kind, name in messages]. */
const FIELDS = {
  hidden: ['hidden', 'int', 'hidden units'],
  activation: ['activation', 'text', 'activation'],
  'learning-rate': ['learning_rate', 'number', 'learning rate'],
  'batch-size': ['batch_size', 'int', 'batch size'],
  epochs: ['epochs', 'int', 'epochs'],
  schedule: ['schedule', 'text', 'schedule'],
  init: ['init', 'text', 'initial weights'],
  augment: ['augment', 'text', 'augment'],
};

export class TrainView {
  /**
   * @param {object} defaults the core's default settings (defaultSettings()), shown in the form
   * @param {{train: Function, pause: Function, resume: Function, stop: Function}} actions
   */
  constructor(defaults, actions) {
    this.status = $('train-status');
    this.progressBar = /** @type {HTMLProgressElement} */ ($('train-progress'));
    this.progressLabel = $('progress-label');
    this.table = /** @type {HTMLTableElement} */ ($('epochs-table'));
    this.lossChart = new Chart(/** @type {HTMLCanvasElement} */ ($('loss-chart')), { format: (v) => v.toFixed(2) });
    this.accuracyChart = new Chart(/** @type {HTMLCanvasElement} */ ($('accuracy-chart')), {
      yMin: 0.8,
      yMax: 1,
      format: (v) => `${Math.round(v * 100)}%`,
    });
    /** 'idle' | 'loading' | 'training' | 'paused' | 'done' | 'error' */
    this.state = 'idle';
    /** Epochs of the run shown, and the epoch being trained (from 1). */
    this.epochs = defaults.epochs;
    this.epoch = 1;
    for (const [id, [name]] of Object.entries(FIELDS)) {
      const el = /** @type {HTMLInputElement} */ ($(id));
      el.value = String(defaults[name]);
    }
    this.resetCharts(defaults.epochs);
    for (const [id, action] of Object.entries(actions)) $(id).addEventListener('click', action);
    this.show('idle', 'Not trained yet: press Train.');
  }

  /** The settings in the form, checked for shape here and for range by the Rust core (which throws its message). */
  settings() {
    const s = {};
    for (const [id, [name, kind, label]] of Object.entries(FIELDS)) {
      const el = /** @type {HTMLInputElement} */ ($(id));
      if (kind === 'text') s[name] = el.value;
      else {
        const v = el.value.trim() === '' ? NaN : Number(el.value);
        if (!Number.isFinite(v)) throw new Error(`${label}: enter a number`);
        if (kind === 'int' && !Number.isInteger(v)) throw new Error(`${label}: ${el.value} is not a whole number`);
        if (kind === 'int' && v < 0) throw new Error(`${label}: ${el.value} is negative`);
        s[name] = v;
      }
    }
    return validateSettings(s);
  }

  /** Shows a state and its status text; the buttons and the form follow the state. */
  show(state, text) {
    this.state = state;
    this.status.dataset.state = state;
    this.status.textContent = text;
    const busy = state === 'loading' || state === 'training' || state === 'paused';
    $('train').disabled = busy;
    $('pause').disabled = state !== 'training';
    $('resume').disabled = state !== 'paused';
    $('stop').disabled = !busy;
    for (const id of Object.keys(FIELDS)) $(id).disabled = busy;
  }

  /** The page has networks kept by earlier visits. */
  kept(count) {
    if (this.state === 'idle' && count > 0) {
      this.show('idle', `${plural(count, 'network')} trained here ${count === 1 ? 'is' : 'are'} kept: pick one under the pad, or press Train.`);
    }
  }

  resetCharts(epochs) {
    this.lossChart.reset(epochs, [{ colour: '--chart-1' }]);
    this.accuracyChart.reset(epochs, [{ colour: '--chart-1' }, { colour: '--chart-2', dots: true }]);
  }

  /** A new run: empty curves, table and matrix, and the data being fetched. */
  starting(settings) {
    this.epochs = settings.epochs;
    this.epoch = 1;
    /** The last epoch's training loss, for the tutorial's "loss reduction". */
    this.lastTrainLoss = null;
    for (const key of ['testAccuracy', 'epochSeconds', 'epoch']) delete this.status.dataset[key];
    this.table.tBodies[0].replaceChildren();
    this.table.hidden = true;
    $('confusion-figure').hidden = true;
    this.resetCharts(settings.epochs);
    this.progressBar.max = 1;
    this.progressBar.value = 0;
    this.progressLabel.textContent = 'Fetching MNIST';
    this.show('loading', 'Fetching the MNIST images…');
  }

  loading({ loaded, total }) {
    this.progressBar.max = total;
    this.progressBar.value = Math.min(loaded, total);
    const mb = (n) => (n / 1e6).toFixed(1);
    this.show('loading', `Fetching the MNIST images: ${mb(loaded)} of ${mb(total)} MB…`);
  }

  started({ settings }) {
    this.epochs = settings.epochs;
    this.progressBar.max = settings.epochs;
    this.progressBar.value = 0;
    this.progressLabel.textContent = 'Training';
    this.show('training', `Training epoch 1 of ${settings.epochs}…`);
  }

  progress({ epoch, batch, batchesPerEpoch, loss, accuracy }) {
    const x = epoch - 1 + batch / batchesPerEpoch;
    this.epoch = epoch;
    this.progressBar.value = x;
    this.lossChart.add(0, x, loss);
    this.accuracyChart.add(0, x, accuracy);
    if (this.state === 'training') {
      this.status.textContent = `Training epoch ${epoch} of ${this.epochs}: ${Math.round((100 * batch) / batchesPerEpoch)}%, loss ${loss.toFixed(3)}`;
    }
  }

  /** A finished epoch: its point on the test curve, its row in the table, its confusion matrix. */
  epochDone(msg) {
    this.epoch = msg.epoch + 1;
    this.accuracyChart.add(1, msg.epoch, msg.testAccuracy);
    this.status.dataset.testAccuracy = String(msg.testAccuracy);
    this.status.dataset.epochSeconds = String(msg.seconds);
    this.status.dataset.epoch = String(msg.epoch);
    const row = this.table.tBodies[0].insertRow();
    // The tutorial's printed columns (loss, loss reduction, training accuracy), and beside the test accuracy what
    // the tutorial's own evaluation code would print for the same network.
    const reduction = this.lastTrainLoss == null ? '' : (this.lastTrainLoss - msg.trainLoss).toFixed(4);
    this.lastTrainLoss = msg.trainLoss;
    for (const v of [
      String(msg.epoch),
      msg.trainLoss.toFixed(4),
      reduction,
      percent(msg.trainAccuracy),
      percent(msg.testAccuracy),
      percent(msg.tutorialAccuracy),
      msg.seconds.toFixed(2),
    ]) {
      row.insertCell().textContent = v;
    }
    this.table.hidden = false;
    this.showConfusion(msg.confusion);
    if (this.state === 'training' && msg.epoch < this.epochs) {
      this.status.textContent = `Training epoch ${msg.epoch + 1} of ${this.epochs}… (test accuracy ${percent(msg.testAccuracy)})`;
    }
  }

  paused() {
    this.show('paused', `Paused in epoch ${this.epoch}. Resume or stop.`);
  }

  resumed() {
    this.show('training', `Training epoch ${this.epoch} of ${this.epochs}…`);
  }

  /**
   * The run is over.
   * @param {{reason: 'finished'|'stopped', epochs: number, seconds: number, testAccuracy: number|null}} end
   */
  done({ reason, epochs, seconds, testAccuracy }) {
    const acc = testAccuracy == null ? '' : ` Test accuracy ${percent(testAccuracy)}.`;
    const text =
      reason === 'finished'
        ? `Done: ${plural(epochs, 'epoch')} in ${seconds.toFixed(1)} s.${acc} It is kept in your networks.`
        : epochs > 0
          ? `Stopped after ${plural(epochs, 'full epoch')}.${acc} The network of epoch ${epochs} is kept in your networks.`
          : 'Stopped before the first epoch ended: nothing was kept.';
    this.show('done', text);
  }

  /** The run failed: `started` says whether it had begun training. Returns the status shown. */
  failed(message, started) {
    const text = started ? `Training stopped: ${message}` : `Training could not start: ${message}`;
    this.show('error', text);
    return text;
  }

  /** The confusion matrix `confusion[true][read]` as a shaded table (built with the DOM: no inline style markup). */
  showConfusion(confusion) {
    const cell = (tag, text, scope) => {
      const el = document.createElement(tag);
      el.textContent = text;
      if (scope) el.scope = scope;
      return el;
    };
    const head = document.createElement('tr');
    const corner = cell('th', '', 'col');
    corner.append(Object.assign(document.createElement('span'), { className: 'visually-hidden', textContent: 'true digit' }));
    head.append(corner, ...confusion.map((_, k) => cell('th', String(k), 'col')));
    const rows = confusion.map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const tr = document.createElement('tr');
      tr.append(cell('th', String(t), 'row'));
      row.forEach((n, k) => {
        const td = cell('td', n ? String(n) : '');
        td.className = k === t ? 'right' : 'wrong';
        td.style.setProperty('--v', (k === t ? n / total : Math.min(1, (n / total) * 10)).toFixed(3));
        td.title = k === t ? `${n} of ${total} ${t}s read right` : `${n} ${t}s read as ${k}`;
        tr.append(td);
      });
      return tr;
    });
    $('confusion').replaceChildren(head, ...rows);
    $('confusion-figure').hidden = false;
  }
}
