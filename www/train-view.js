// The training panel on screen: the settings form (filled with the core's defaults), the buttons, the status,
// the progress bar, the loss and accuracy curves, the per-epoch table and the confusion matrix. It shows what it is
// told; the state it shows is kept here, in `state`, `epochs` and `epoch`, never read back from the page.

import { validateSettings } from './pkg/page.js';
import { Chart } from './chart.js';
import { fixed, formatNumber, msg, percent, setText, translate } from './i18n.js';
import { workerMessage } from './core-errors.js';
import { forget, keep, recall } from './form-memory.js';

const $ = (id) => document.getElementById(id);
/** Intl.NumberFormat options for exactly `n` decimals. */
const digits = (n) => ({ minimumFractionDigits: n, maximumFractionDigits: n });

/** The form's fields: element id → [setting name, kind, the setting's name in messages (a key)]. */
const FIELDS = {
  hidden: ['hidden', 'int', 'core.setting.hidden'],
  activation: ['activation', 'text', 'train.activation'],
  'learning-rate': ['learning_rate', 'number', 'core.setting.learningRate'],
  'batch-size': ['batch_size', 'int', 'core.setting.batchSize'],
  epochs: ['epochs', 'int', 'core.setting.epochs'],
  schedule: ['schedule', 'text', 'train.schedule'],
  init: ['init', 'text', 'train.init'],
  augment: ['augment', 'text', 'train.augment.label'],
};

/** " Test accuracy 97.30%." after a status, or nothing when there is no test result yet. */
function accuracySentence(accuracy) {
  return accuracy == null ? '' : msg('train.accuracySentence', { accuracy: percent(accuracy, 2) });
}

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
    this.lossChart = new Chart(/** @type {HTMLCanvasElement} */ ($('loss-chart')), { format: (v, tickDigits) => formatNumber(v, digits(tickDigits)) });
    this.accuracyChart = new Chart(/** @type {HTMLCanvasElement} */ ($('accuracy-chart')), {
      yMin: 0.8,
      yMax: 1,
      // Bottoms whose four steps to 100% are round: 10%, 20%, 25%.
      lower: [0.6, 0.2, 0],
      format: (v) => formatNumber(v, { style: 'percent', maximumFractionDigits: 0 }),
    });
    /** 'idle' | 'loading' | 'training' | 'paused' | 'done' | 'error' */
    this.state = 'idle';
    /** Epochs of the run shown, and the epoch being trained (from 1). */
    this.epochs = defaults.epochs;
    this.epoch = 1;
    this.defaults = defaults;
    this.fill(defaults);
    this.recallFields();
    // Whatever the person types or picks (or a preset fills in) is there again on their next visit.
    for (const type of ['input', 'change']) $('settings').addEventListener(type, () => keep(this.fields()));
    $('default-settings').addEventListener('click', () => {
      this.fill(defaults);
      forget();
    });
    this.resetCharts(defaults.epochs);
    for (const [id, action] of Object.entries(actions)) $(id).addEventListener('click', action);
    this.show('idle', msg('train.status.idle'));
  }

  /** Fills the form with `settings` (by setting name, as defaultSettings() gives them). */
  fill(settings) {
    for (const [id, [name]] of Object.entries(FIELDS)) {
      if (settings[name] !== undefined) /** @type {HTMLInputElement} */ ($(id)).value = String(settings[name]);
    }
  }

  /** The form's fields as typed: {id: string}. */
  fields() {
    return Object.fromEntries(Object.keys(FIELDS).map((id) => [id, /** @type {HTMLInputElement} */ ($(id)).value]));
  }

  /**
   * Puts back the fields kept by an earlier visit, if every one kept is still a value its field takes and together
   * they are settings the core accepts; otherwise the form keeps the page's own settings and the kept ones are
   * forgotten (a setting whose range changed between versions, an entry written by hand).
   */
  recallFields() {
    const kept = recall();
    if (!kept) return;
    const takes = (id) => {
      const el = /** @type {HTMLInputElement} */ ($(id));
      if (kept[id] === undefined) return true; // a field newer than the entry keeps its default
      if (typeof kept[id] !== 'string') return false;
      el.value = kept[id];
      // A select refuses a value that is not one of its options, a number field one that is not a number.
      return el.value === kept[id];
    };
    let fine = Object.keys(FIELDS).every(takes);
    if (fine) {
      try {
        this.settings();
      } catch {
        fine = false;
      }
    }
    if (!fine) {
      this.fill(this.defaults);
      forget();
    }
  }

  /** The settings in the form, checked for shape here and for range by the Rust core (which throws its message). */
  settings() {
    const s = {};
    for (const [id, [name, kind, label]] of Object.entries(FIELDS)) {
      const el = /** @type {HTMLInputElement} */ ($(id));
      if (kind === 'text') s[name] = el.value;
      else {
        const v = el.value.trim() === '' ? NaN : Number(el.value);
        const setting = msg(label);
        if (!Number.isFinite(v)) throw msg('train.enterNumber', { name: setting });
        if (kind === 'int' && !Number.isInteger(v)) throw msg('train.notWhole', { name: setting, value: el.value });
        if (kind === 'int' && v < 0) throw msg('train.negative', { name: setting, value: el.value });
        s[name] = v;
      }
    }
    return validateSettings(s);
  }

  /** Shows a state and its status line (a message descriptor, see i18n.js); the buttons and the form follow the state. */
  show(state, message) {
    this.state = state;
    this.status.dataset.state = state;
    setText(this.status, message);
    const busy = state === 'loading' || state === 'training' || state === 'paused';
    $('train').disabled = busy;
    $('pause').disabled = state !== 'training';
    $('resume').disabled = state !== 'paused';
    $('stop').disabled = !busy;
    // The form shows the run's settings until it ends.
    for (const id of [...Object.keys(FIELDS), 'tutorial-preset', 'default-settings']) $(id).disabled = busy;
  }

  /** The page has networks kept by earlier visits. */
  kept(count) {
    if (this.state === 'idle' && count > 0) {
      this.show('idle', msg('train.status.kept', { count }));
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
    setText(this.progressLabel, msg('train.progress.fetching'));
    this.show('loading', msg('train.status.fetching'));
  }

  loading({ loaded, total }) {
    this.progressBar.max = total;
    this.progressBar.value = Math.min(loaded, total);
    const mb = (n) => fixed(n / 1e6, 1);
    this.show('loading', msg('train.status.fetchingMb', { loaded: mb(loaded), total: mb(total) }));
  }

  started({ settings }) {
    this.epochs = settings.epochs;
    this.progressBar.max = settings.epochs;
    this.progressBar.value = 0;
    this.lastTrainLoss = null;
    this.reached = null;
    setText(this.progressLabel, msg('train.progress.training'));
    this.trainingStatus = msg('train.status.epoch', { epoch: 1, epochs: settings.epochs });
    this.show('training', this.trainingStatus);
  }

  /**
   * A status line of the run training: shown while it trains, and kept for Resume to show again (the line said only
   * "Training epoch n…" after a pause until the next report, where it had given the epoch's progress and loss).
   */
  trainingSays(message) {
    this.trainingStatus = message;
    if (this.state === 'training') setText(this.status, message);
  }

  progress({ epoch, batch, batchesPerEpoch, loss, accuracy }) {
    const x = epoch - 1 + batch / batchesPerEpoch;
    this.epoch = epoch;
    this.progressBar.value = x;
    this.lossChart.add(0, x, loss);
    this.accuracyChart.add(0, x, accuracy);
    /** How far the epoch being trained has gone, for a pause to say (null before the run's first report). */
    this.reached = { epoch, share: percent(batch / batchesPerEpoch, 0) };
    this.trainingSays(msg('train.status.epochProgress', { epoch, epochs: this.epochs, done: this.reached.share, loss: fixed(loss, 3) }));
  }

  /** A finished epoch: its point on the test curve, its row in the table, its confusion matrix. */
  epochDone(data) {
    this.epoch = data.epoch + 1;
    this.accuracyChart.add(1, data.epoch, data.testAccuracy);
    this.status.dataset.testAccuracy = String(data.testAccuracy);
    this.status.dataset.epochSeconds = String(data.seconds);
    this.status.dataset.epoch = String(data.epoch);
    const row = this.table.tBodies[0].insertRow();
    // The tutorial's printed columns (loss, loss reduction, accuracy on the training images), and beside the test
    // accuracy what the tutorial's own code would print for this network.
    const reduction = this.lastTrainLoss == null ? '' : formatNumber(this.lastTrainLoss - data.trainLoss, digits(4));
    this.lastTrainLoss = data.trainLoss;
    const pct = (v) => (v == null ? '' : formatNumber(v, { style: 'percent', ...digits(2) }));
    for (const v of [
      formatNumber(data.epoch),
      formatNumber(data.trainLoss, digits(4)),
      reduction,
      pct(data.trainAccuracy),
      pct(data.testAccuracy),
      pct(data.tutorialAccuracy),
      formatNumber(data.seconds, digits(2)),
    ]) {
      row.insertCell().textContent = v;
    }
    this.table.hidden = false;
    this.showConfusion(data.confusion);
    if (data.epoch < this.epochs) {
      this.trainingSays(msg('train.status.epochTested', { epoch: data.epoch + 1, epochs: this.epochs, accuracy: percent(data.testAccuracy, 2) }));
    }
  }

  /** Paused: where in which epoch, as far as the reports have told. */
  paused() {
    const { epoch, epochs } = this;
    const at = this.reached?.epoch === epoch ? this.reached.share : null;
    this.show('paused', at ? msg('train.status.pausedAt', { epoch, epochs, done: at }) : msg('train.status.paused', { epoch, epochs }));
  }

  /** Training again: the status line the pause replaced (the epoch's progress and loss), until the next report. */
  resumed() {
    this.show('training', this.trainingStatus);
  }

  /**
   * The run is over.
   * @param {{reason: 'finished'|'stopped', epochs: number, seconds: number, testAccuracy: number|null}} end
   */
  done({ reason, epochs, seconds, testAccuracy }) {
    const accuracy = accuracySentence(testAccuracy);
    const message =
      reason === 'finished'
        ? msg('train.status.done', { count: epochs, seconds: fixed(seconds, 1), accuracy })
        : epochs > 0
          ? msg('train.status.stopped', { count: epochs, accuracy })
          : msg('train.status.stoppedEmpty');
    this.show('done', message);
  }

  /**
   * The run failed: `started` says whether it had begun training; `message` is the worker's (see `workerMessage`
   * in core-errors.js). Returns the status shown, a descriptor.
   */
  failed(message, started) {
    const error = workerMessage(message);
    const status = msg(started ? 'train.stoppedBy' : 'train.couldNotStart', { error });
    this.show('error', status);
    return status;
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
    const trueDigit = Object.assign(document.createElement('span'), { className: 'visually-hidden' });
    setText(trueDigit, msg('confusion.trueDigit'));
    corner.append(trueDigit);
    head.append(corner, ...confusion.map((_, k) => cell('th', String(k), 'col')));
    const rows = confusion.map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const tr = document.createElement('tr');
      tr.append(cell('th', String(t), 'row'));
      row.forEach((n, k) => {
        const td = cell('td', n ? String(n) : '');
        td.className = k === t ? 'right' : 'wrong';
        td.style.setProperty('--v', (k === t ? n / total : Math.min(1, (n / total) * 10)).toFixed(3));
        // The title carries its key and numbers (data-i18n-*): a change of language redoes it.
        const [key, params] = k === t ? ['confusion.right', { count: n, total, digit: t }] : ['confusion.wrong', { count: n, digit: t, read: k }];
        td.dataset.i18nAttr = `title:${key}`;
        td.dataset.i18nParams = JSON.stringify(params);
        tr.append(td);
      });
      return tr;
    });
    $('confusion').replaceChildren(head, ...rows);
    translate($('confusion'));
    $('confusion-figure').hidden = false;
  }
}
