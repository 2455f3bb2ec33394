// The training panel: the settings, the worker that trains, the status, progress,
// curves and per-epoch table, and keeping the trained network (IndexedDB).

import { Model, validateSettings } from './pkg/handwritten.js';
import { Chart } from './chart.js';
import { saveTrained } from './store.js';

const $ = (id) => document.getElementById(id);

/** The form's fields: id → [setting name, kind]. */
const FIELDS = {
  hidden: ['hidden', 'int', 'hidden units'],
  activation: ['activation', 'text'],
  'learning-rate': ['learning_rate', 'number', 'learning rate'],
  'batch-size': ['batch_size', 'int', 'batch size'],
  epochs: ['epochs', 'int', 'epochs'],
  schedule: ['schedule', 'text'],
  init: ['init', 'text'],
  augment: ['augment', 'bool'],
};

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
    this.lossChart = new Chart(/** @type {HTMLCanvasElement} */ ($('loss-chart')), { format: (v) => v.toFixed(2) });
    this.accuracyChart = new Chart(/** @type {HTMLCanvasElement} */ ($('accuracy-chart')), {
      yMin: 0.8,
      yMax: 1,
      format: (v) => `${Math.round(v * 100)}%`,
    });
    this.lossChart.reset(10, [{ colour: '--chart-1' }]);
    this.accuracyChart.reset(10, [{ colour: '--chart-1' }, { colour: '--chart-2', dots: true }]);
    this.worker = null;
    this.run = null;
    $('train').addEventListener('click', () => this.start());
    $('pause').addEventListener('click', () => this.send('pause'));
    $('resume').addEventListener('click', () => this.send('resume'));
    $('stop').addEventListener('click', () => this.send('stop'));
    this.setState('idle', 'Not trained yet: press Train.');
  }

  setState(state, text) {
    this.status.dataset.state = state;
    this.status.textContent = text;
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
        if (!Number.isFinite(v)) throw new Error(`${label}: enter a number`);
        if (kind === 'int' && !Number.isInteger(v)) throw new Error(`${label}: ${el.value} is not a whole number`);
        if (kind === 'int' && v < 0) throw new Error(`${label}: ${el.value} is negative`);
        s[name] = v;
      }
    }
    return validateSettings(s); // throws the core's message, with the allowed range
  }

  /** Called at start with the record of a network saved by an earlier visit. */
  restored(record) {
    if (this.run) return;
    const acc = record.testAccuracy == null ? '' : ` Test accuracy ${(record.testAccuracy * 100).toFixed(2)}%.`;
    const how = record.complete
      ? `Your network from ${new Date(record.date).toLocaleString()} is kept (${record.epochs} epoch${record.epochs === 1 ? '' : 's'}).${acc}`
      : `A training run was interrupted (by a reload?); its network after ${record.epochs} epoch${record.epochs === 1 ? '' : 's'} is kept.${acc}`;
    this.setState('idle', how);
    if (record.testAccuracy != null) this.status.dataset.testAccuracy = String(record.testAccuracy);
  }

  send(type) {
    if (this.worker && this.run) this.worker.postMessage({ type });
  }

  start() {
    if (this.run) {
      this.page.showMessage('A training run is already going: pause or stop it first.');
      return;
    }
    let settings;
    try {
      settings = this.settings();
    } catch (e) {
      this.page.showMessage(`Training not started. ${e instanceof Error ? e.message : e}`);
      return;
    }
    this.page.showMessage('');
    if (!this.worker) {
      this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e) => this.onMessage(e.data);
      this.worker.onerror = (e) => {
        e.preventDefault();
        this.fail(`The training worker failed: ${e.message || 'it could not start'}.`);
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
    this.progressLabel.textContent = 'Fetching MNIST';
    this.setState('loading', 'Fetching the MNIST images…');
    this.worker.postMessage({ type: 'start', settings });
  }

  fail(message) {
    const run = this.run;
    this.run = null;
    if (run?.gotModel) this.restore(run);
    this.setState('error', message);
    this.page.showMessage(`${message} The pad keeps working with its network.`);
  }

  onMessage(msg) {
    const run = this.run;
    if (!run) return;
    switch (msg.type) {
      case 'loading': {
        this.progress.max = msg.total;
        this.progress.value = Math.min(msg.loaded, msg.total);
        const mb = (n) => (n / 1e6).toFixed(1);
        this.setState('loading', `Fetching the MNIST images: ${mb(msg.loaded)} of ${mb(msg.total)} MB…`);
        break;
      }
      case 'loaded':
        this.progressLabel.textContent = 'Training';
        break;
      case 'started':
        run.settings = msg.settings;
        this.progress.max = msg.settings.epochs;
        this.progress.value = 0;
        this.progressLabel.textContent = 'Training';
        this.setState('training', `Training epoch 1 of ${msg.settings.epochs}…`);
        break;
      case 'progress': {
        const x = msg.epoch - 1 + msg.batch / msg.batchesPerEpoch;
        this.progress.value = x;
        this.lossChart.add(0, x, msg.loss);
        this.accuracyChart.add(0, x, msg.accuracy);
        if (this.status.dataset.state === 'training') {
          this.status.textContent = `Training epoch ${msg.epoch} of ${run.settings.epochs}: ${Math.round((100 * msg.batch) / msg.batchesPerEpoch)}%, loss ${msg.loss.toFixed(3)}`;
        }
        break;
      }
      case 'model':
        this.onModel(msg.bytes);
        break;
      case 'epoch':
        this.onEpoch(msg);
        break;
      case 'paused':
        this.setState('paused', `Paused in epoch ${Math.floor(this.progress.value) + 1}. Resume or stop.`);
        break;
      case 'resumed':
        this.setState('training', `Training epoch ${Math.floor(this.progress.value) + 1} of ${run.settings.epochs}…`);
        break;
      case 'done': {
        const acc = run.lastTest == null ? '' : ` Test accuracy ${(run.lastTest * 100).toFixed(2)}%.`;
        const text = msg.reason === 'finished'
          ? `Done: ${msg.epochs} epoch${msg.epochs === 1 ? '' : 's'} in ${((performance.now() - run.t0) / 1000).toFixed(1)} s.${acc}`
          : `Stopped after ${msg.epochs ?? 0} full epoch${msg.epochs === 1 ? '' : 's'}.${acc} The network as it is now stays on the pad.`;
        this.save(true);
        this.run = null;
        this.setState('done', text);
        break;
      }
      case 'error':
        if (msg.busy) {
          this.page.showMessage(msg.message);
        } else {
          this.fail(run.gotModel ? `Training stopped: ${msg.message}` : `Training could not start: ${msg.message}`);
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
      this.page.setModel('trained', Model.fromBytes(run.goodBytes, 'the trained network'), `Trained here (after epoch ${run.epochsDone})`);
    } else if (run.previous.bytes) {
      this.page.setModel('trained', Model.fromBytes(run.previous.bytes, 'the previous network'), run.previous.label);
      this.page.useModel(run.previous.slot);
    } else {
      this.page.removeModel('trained', run.previous.slot);
    }
  }

  onModel(bytes) {
    const run = this.run;
    let model;
    try {
      model = Model.fromBytes(bytes, 'the network being trained');
    } catch (e) {
      this.fail(`The trained network could not be read: ${e instanceof Error ? e.message : e}`);
      return;
    }
    const first = !run.gotModel;
    run.gotModel = true;
    run.bytes = bytes;
    if (run.epochJustDone) run.goodBytes = bytes; // the worker sends the network right after each epoch
    run.epochJustDone = false;
    const epochs = Math.floor(this.progress.value);
    const label = this.status.dataset.state === 'done' || !this.run
      ? 'Trained here'
      : `Trained here (learning, epoch ${Math.min(epochs + 1, run.settings.epochs)})`;
    // The first network of a run goes on the pad, so one can watch it learn.
    this.page.setModel('trained', model, label, { use: first });
  }

  onEpoch(msg) {
    const run = this.run;
    run.lastTest = msg.testAccuracy;
    run.epochsDone = msg.epoch;
    run.epochJustDone = true;
    this.accuracyChart.add(1, msg.epoch, msg.testAccuracy);
    this.status.dataset.testAccuracy = String(msg.testAccuracy);
    this.status.dataset.epochSeconds = String(msg.seconds);
    this.status.dataset.epoch = String(msg.epoch);
    this.status.dataset.elapsed = String((performance.now() - run.t0) / 1000);
    const row = this.table.tBodies[0].insertRow();
    // The tutorial's printed columns (loss, loss reduction, accuracy on the training images), and
    // beside the test accuracy what the tutorial's own code would print for this network.
    const reduction = run.lastTrainLoss == null ? '' : (run.lastTrainLoss - msg.trainLoss).toFixed(4);
    run.lastTrainLoss = msg.trainLoss;
    for (const v of [
      String(msg.epoch),
      msg.trainLoss.toFixed(4),
      reduction,
      `${(msg.trainAccuracy * 100).toFixed(2)}%`,
      `${(msg.testAccuracy * 100).toFixed(2)}%`,
      `${(msg.tutorialAccuracy * 100).toFixed(2)}%`,
      msg.seconds.toFixed(2),
    ]) row.insertCell().textContent = v;
    this.table.hidden = false;
    this.showConfusion(msg.confusion);
    this.page.setModelLabel('trained', `Trained here (learning, ${(msg.testAccuracy * 100).toFixed(1)}% after epoch ${msg.epoch})`);
    if (this.status.dataset.state === 'training' && msg.epoch < run.settings.epochs) {
      this.status.textContent = `Training epoch ${msg.epoch + 1} of ${run.settings.epochs}… (test accuracy ${(msg.testAccuracy * 100).toFixed(2)}%)`;
    }
    this.save(false);
  }

  /** The confusion matrix `confusion[true][read]` as a shaded table. */
  showConfusion(confusion) {
    const table = $('confusion');
    const head = `<tr><th scope="col"><span class="visually-hidden">true digit</span></th>${[...Array(10).keys()].map((k) => `<th scope="col">${k}</th>`).join('')}</tr>`;
    const rows = confusion.map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const cells = row.map((n, k) => {
        const v = k === t ? n / total : Math.min(1, (n / total) * 10);
        const title = k === t ? `${n} of ${total} ${t}s read right` : `${n} ${t}s read as ${k}`;
        return `<td class="${k === t ? 'right' : 'wrong'}" style="--v:${v.toFixed(3)}" title="${title}">${n || ''}</td>`;
      });
      return `<tr><th scope="row">${t}</th>${cells.join('')}</tr>`;
    });
    table.innerHTML = head + rows.join('');
    $('confusion-figure').hidden = false;
  }

  /** Keeps the run's network for the next visit: after each epoch, and at the end. */
  save(complete) {
    const run = this.run;
    if (!run?.bytes) return;
    if (complete && run.lastTest != null) {
      this.page.setModelLabel('trained', `Trained here (${(run.lastTest * 100).toFixed(1)}%)`);
    } else if (complete) {
      this.page.setModelLabel('trained', 'Trained here (stopped early)');
    }
    saveTrained({
      bytes: run.bytes.slice(),
      settings: run.settings,
      testAccuracy: run.lastTest,
      epochs: run.epochsDone ?? 0,
      complete,
      date: Date.now(),
    }).catch((e) => this.page.showMessage(`The trained network could not be saved for your next visit: ${e.message ?? e}`));
  }
}
