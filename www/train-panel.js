// The training panel: the settings, the worker that trains, the status, progress,
// curves and per-epoch table, and keeping the trained network (IndexedDB).

import { Model, validateSettings } from './pkg/handwritten.js';
import { Chart } from './chart.js';
import { saveTrained } from './store.js';
import { fixed, formatNumber, msg, percent, setText, text, translate } from './i18n.js';
import { coreMessage, errorMessage } from './core-errors.js';

const $ = (id) => document.getElementById(id);

/** The form's fields: id → [setting name, kind, the setting's name in messages (a key)]. */
const FIELDS = {
  hidden: ['hidden', 'int', 'core.setting.hidden'],
  activation: ['activation', 'text'],
  'learning-rate': ['learning_rate', 'number', 'core.setting.learningRate'],
  'batch-size': ['batch_size', 'int', 'core.setting.batchSize'],
  epochs: ['epochs', 'int', 'core.setting.epochs'],
  schedule: ['schedule', 'text'],
  init: ['init', 'text'],
  augment: ['augment', 'bool'],
};

/** Intl.NumberFormat options for exactly `n` decimals. */
function digits(n) {
  return { minimumFractionDigits: n, maximumFractionDigits: n };
}

/** " Test accuracy 97.30%." after a status, or nothing when there is no test result yet. */
function accuracySentence(accuracy) {
  return accuracy == null ? '' : msg('train.accuracySentence', { accuracy: percent(accuracy, 2) });
}

/** The worker's error: a message descriptor of its own, or the core's message (a string), translated. */
function workerMessage(message) {
  return typeof message === 'string' ? coreMessage(message) : message;
}

export class TrainPanel {
  /**
   * @param {{setModel: Function, setModelLabel: Function, removeModel: Function, modelBytes: Function,
   *   showMessage: Function, activeSlot: () => string}} page
   */
  constructor(page) {
    this.page = page;
    this.status = $('train-status');
    this.progress = /** @type {HTMLProgressElement} */ ($('train-progress'));
    this.progressLabel = $('progress-label');
    this.table = /** @type {HTMLTableElement} */ ($('epochs-table'));
    this.lossChart = new Chart(/** @type {HTMLCanvasElement} */ ($('loss-chart')), {
      format: (v) => formatNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    });
    this.accuracyChart = new Chart(/** @type {HTMLCanvasElement} */ ($('accuracy-chart')), {
      yMin: 0.8,
      yMax: 1,
      format: (v) => formatNumber(v, { style: 'percent', maximumFractionDigits: 0 }),
    });
    this.lossChart.reset(10, [{ colour: '--chart-1' }]);
    this.accuracyChart.reset(10, [{ colour: '--chart-1' }, { colour: '--chart-2', dots: true }]);
    this.worker = null;
    this.run = null;
    $('train').addEventListener('click', () => this.start());
    $('pause').addEventListener('click', () => this.send('pause'));
    $('resume').addEventListener('click', () => this.send('resume'));
    $('stop').addEventListener('click', () => this.send('stop'));
    this.setState('idle', msg('train.status.idle'));
  }

  /** Sets the state and its status line (a message descriptor, see i18n.js). */
  setState(state, message) {
    this.status.dataset.state = state;
    setText(this.status, message);
    const busy = state === 'loading' || state === 'training' || state === 'paused';
    $('train').disabled = busy;
    $('pause').disabled = state !== 'training';
    $('resume').disabled = state !== 'paused';
    $('stop').disabled = !busy;
    for (const id of Object.keys(FIELDS)) $(id).disabled = busy;
  }

  /** The settings in the form, checked for shape here and for range by the Rust core. */
  settings() {
    const s = {};
    for (const [id, [name, kind, label]] of Object.entries(FIELDS)) {
      const el = /** @type {HTMLInputElement} */ ($(id));
      if (kind === 'bool') s[name] = el.checked;
      else if (kind === 'text') s[name] = el.value;
      else {
        const v = el.value.trim() === '' ? NaN : Number(el.value);
        const setting = msg(label);
        if (!Number.isFinite(v)) throw msg('train.enterNumber', { name: setting });
        if (kind === 'int' && !Number.isInteger(v)) throw msg('train.notWhole', { name: setting, value: el.value });
        if (kind === 'int' && v < 0) throw msg('train.negative', { name: setting, value: el.value });
        s[name] = v;
      }
    }
    return validateSettings(s); // throws the core's message, with the allowed range
  }

  /** Called at start with the record of a network saved by an earlier visit. */
  restored(record) {
    if (this.run) return;
    const accuracy = accuracySentence(record.testAccuracy);
    const how = record.complete
      ? msg('train.status.kept', { date: { date: record.date }, count: record.epochs, accuracy })
      : msg('train.status.interrupted', { count: record.epochs, accuracy });
    this.setState('idle', how);
    if (record.testAccuracy != null) this.status.dataset.testAccuracy = String(record.testAccuracy);
  }

  send(type) {
    if (this.worker && this.run) this.worker.postMessage({ type });
  }

  start() {
    if (this.run) {
      this.page.showMessage(msg('train.busy'));
      return;
    }
    let settings;
    try {
      settings = this.settings();
    } catch (e) {
      this.page.showMessage(msg('train.notStarted', { error: e?.key ? e : coreMessage(e) }));
      return;
    }
    this.page.showMessage('');
    if (!this.worker) {
      this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e) => this.onMessage(e.data);
      this.worker.onerror = (e) => {
        e.preventDefault();
        this.fail(msg('train.workerFailed', { error: e.message || msg('train.workerNoStart') }));
        this.worker?.terminate();
        this.worker = null;
      };
    }
    this.run = {
      settings,
      epochs: settings.epochs,
      gotModel: false,
      t0: performance.now(),
      lastTest: null,
      // What to go back to if the run fails: the network trained before it, and the pad's choice.
      previous: { bytes: this.page.modelBytes('trained'), label: this.page.modelLabel('trained'), slot: this.page.activeSlot() },
      goodBytes: null,
    };
    delete this.status.dataset.testAccuracy;
    delete this.status.dataset.epochSeconds;
    this.table.tBodies[0].replaceChildren();
    this.table.hidden = true;
    $('confusion-figure').hidden = true;
    this.lossChart.reset(settings.epochs, [{ colour: '--chart-1' }]);
    this.accuracyChart.reset(settings.epochs, [{ colour: '--chart-1' }, { colour: '--chart-2', dots: true }]);
    this.progress.value = 0;
    setText(this.progressLabel, msg('train.progress.fetching'));
    this.setState('loading', msg('train.status.fetching'));
    this.worker.postMessage({ type: 'start', settings });
  }

  fail(message) {
    const run = this.run;
    this.run = null;
    if (run?.gotModel) this.restore(run);
    this.setState('error', message);
    this.page.showMessage(msg('train.failed', { error: message }));
  }

  onMessage(data) {
    const run = this.run;
    if (!run) return;
    switch (data.type) {
      case 'loading': {
        this.progress.max = data.total;
        this.progress.value = Math.min(data.loaded, data.total);
        const mb = (n) => fixed(n / 1e6, 1);
        this.setState('loading', msg('train.status.fetchingMb', { loaded: mb(data.loaded), total: mb(data.total) }));
        break;
      }
      case 'loaded':
        setText(this.progressLabel, msg('train.progress.training'));
        break;
      case 'started':
        run.settings = data.settings;
        this.progress.max = data.settings.epochs;
        this.progress.value = 0;
        setText(this.progressLabel, msg('train.progress.training'));
        this.setState('training', msg('train.status.epoch', { epoch: 1, epochs: data.settings.epochs }));
        break;
      case 'progress': {
        const x = data.epoch - 1 + data.batch / data.batchesPerEpoch;
        this.progress.value = x;
        this.lossChart.add(0, x, data.loss);
        this.accuracyChart.add(0, x, data.accuracy);
        if (this.status.dataset.state === 'training') {
          setText(this.status, msg('train.status.epochProgress', {
            epoch: data.epoch,
            epochs: run.settings.epochs,
            done: percent(data.batch / data.batchesPerEpoch, 0),
            loss: fixed(data.loss, 3),
          }));
        }
        break;
      }
      case 'model':
        this.onModel(data.bytes);
        break;
      case 'epoch':
        this.onEpoch(data);
        break;
      case 'paused':
        this.setState('paused', msg('train.status.paused', { epoch: Math.floor(this.progress.value) + 1 }));
        break;
      case 'resumed':
        this.setState('training', msg('train.status.epoch', { epoch: Math.floor(this.progress.value) + 1, epochs: run.settings.epochs }));
        break;
      case 'done': {
        const accuracy = accuracySentence(run.lastTest);
        const seconds = fixed((performance.now() - run.t0) / 1000, 1);
        const done = data.reason === 'finished'
          ? msg('train.status.done', { count: data.epochs, seconds, accuracy })
          : msg('train.status.stopped', { count: data.epochs ?? 0, accuracy });
        this.save(true);
        this.run = null;
        this.setState('done', done);
        break;
      }
      case 'error':
        if (data.busy) {
          this.page.showMessage(workerMessage(data.message));
        } else {
          const error = workerMessage(data.message);
          this.fail(run.gotModel ? msg('train.stoppedBy', { error }) : msg('train.couldNotStart', { error }));
        }
        break;
    }
  }

  /**
   * After a failed run: the network of its last finished epoch stays on the pad, or,
   * when it finished none, the network there was before it.
   */
  restore(run) {
    if (run.goodBytes) {
      const label = msg('train.label.afterEpoch', { epoch: run.epochsDone });
      this.page.setModel('trained', Model.fromBytes(run.goodBytes, text(msg('train.name.trained'))), label);
    } else if (run.previous.bytes) {
      this.page.setModel('trained', Model.fromBytes(run.previous.bytes, text(msg('train.name.previous'))), run.previous.label);
      this.page.useModel(run.previous.slot);
    } else {
      this.page.removeModel('trained', run.previous.slot);
    }
  }

  onModel(bytes) {
    const run = this.run;
    let model;
    try {
      model = Model.fromBytes(bytes, text(msg('train.name.training')));
    } catch (e) {
      this.fail(msg('train.unreadable', { error: errorMessage(e) }));
      return;
    }
    const first = !run.gotModel;
    run.gotModel = true;
    run.bytes = bytes;
    if (run.epochJustDone) run.goodBytes = bytes; // the worker sends the network right after each epoch
    run.epochJustDone = false;
    const epochs = Math.floor(this.progress.value);
    const label = this.status.dataset.state === 'done' || !this.run
      ? msg('train.label.trained')
      : msg('train.label.learningEpoch', { epoch: Math.min(epochs + 1, run.settings.epochs) });
    // The first network of a run goes on the pad, so one can watch it learn.
    this.page.setModel('trained', model, label, { use: first });
  }

  onEpoch(data) {
    const run = this.run;
    run.lastTest = data.testAccuracy;
    run.epochsDone = data.epoch;
    run.epochJustDone = true;
    this.accuracyChart.add(1, data.epoch, data.testAccuracy);
    this.status.dataset.testAccuracy = String(data.testAccuracy);
    this.status.dataset.epochSeconds = String(data.seconds);
    this.status.dataset.epoch = String(data.epoch);
    this.status.dataset.elapsed = String((performance.now() - run.t0) / 1000);
    const row = this.table.tBodies[0].insertRow();
    // The tutorial's printed columns (loss, loss reduction, accuracy on the training images), and
    // beside the test accuracy what the tutorial's own code would print for this network.
    const reduction = run.lastTrainLoss == null ? '' : formatNumber(run.lastTrainLoss - data.trainLoss, digits(4));
    run.lastTrainLoss = data.trainLoss;
    for (const v of [
      formatNumber(data.epoch),
      formatNumber(data.trainLoss, digits(4)),
      reduction,
      formatNumber(data.trainAccuracy, { style: 'percent', ...digits(2) }),
      formatNumber(data.testAccuracy, { style: 'percent', ...digits(2) }),
      formatNumber(data.tutorialAccuracy, { style: 'percent', ...digits(2) }),
      formatNumber(data.seconds, digits(2)),
    ]) row.insertCell().textContent = v;
    this.table.hidden = false;
    this.showConfusion(data.confusion);
    const accuracy = percent(data.testAccuracy, 1);
    this.page.setModelLabel('trained', msg('train.label.learningAccuracy', { accuracy, epoch: data.epoch }));
    if (this.status.dataset.state === 'training' && data.epoch < run.settings.epochs) {
      setText(this.status, msg('train.status.epochTested', {
        epoch: data.epoch + 1,
        epochs: run.settings.epochs,
        accuracy: percent(data.testAccuracy, 2),
      }));
    }
    this.save(false);
  }

  /** The confusion matrix `confusion[true][read]` as a shaded table. */
  showConfusion(confusion) {
    const table = $('confusion');
    // The titles carry keys (data-i18n-attr) and numbers (data-i18n-params): a change of language redoes them.
    const title = (key, params) => `data-i18n-attr="title:${key}" data-i18n-params='${JSON.stringify(params)}'`;
    const head = `<tr><th scope="col"><span class="visually-hidden" data-i18n="confusion.trueDigit"></span></th>${[...Array(10).keys()].map((k) => `<th scope="col">${k}</th>`).join('')}</tr>`;
    const rows = confusion.map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const cells = row.map((n, k) => {
        const v = k === t ? n / total : Math.min(1, (n / total) * 10);
        const titled = k === t
          ? title('confusion.right', { count: n, total, digit: t })
          : title('confusion.wrong', { count: n, digit: t, read: k });
        return `<td class="${k === t ? 'right' : 'wrong'}" style="--v:${v.toFixed(3)}" ${titled}>${n || ''}</td>`;
      });
      return `<tr><th scope="row">${t}</th>${cells.join('')}</tr>`;
    });
    table.innerHTML = head + rows.join('');
    translate(table);
    $('confusion-figure').hidden = false;
  }

  /** Keeps the run's network for the next visit: after each epoch, and at the end. */
  save(complete) {
    const run = this.run;
    if (!run?.bytes) return;
    if (complete && run.lastTest != null) {
      this.page.setModelLabel('trained', msg('train.label.final', { accuracy: percent(run.lastTest, 1) }));
    } else if (complete) {
      this.page.setModelLabel('trained', msg('train.label.stoppedEarly'));
    }
    saveTrained({
      bytes: run.bytes.slice(),
      settings: run.settings,
      testAccuracy: run.lastTest,
      epochs: run.epochsDone ?? 0,
      complete,
      date: Date.now(),
    }).catch((e) => this.page.showMessage(msg('train.notSaved', { error: errorMessage(e) })));
  }
}
