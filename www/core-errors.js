// The Rust core's messages, as the page shows them: the core speaks English (the CLI prints the same text), so
// the messages a reader of the page can meet (a model file that does not load, a setting out of range, a training
// run that diverged, an MNIST file that does not read) are matched here and shown in the page's language, with
// their file names, byte offsets and numbers kept. A message not known here is shown as the core wrote it.

import { msg } from './i18n.js';

/** The core's setting names (Error::Setting's `name`), by key. */
const SETTINGS = {
  'hidden units': 'core.setting.hidden',
  epochs: 'core.setting.epochs',
  'batch size': 'core.setting.batchSize',
  'learning rate': 'core.setting.learningRate',
  'step every': 'core.setting.stepEvery',
  'step factor': 'core.setting.stepFactor',
  'canvas size': 'core.setting.canvas',
};

/** Where in a file (Error::Format's `at`). */
const PLACES = [
  [/^byte (\d+)$/, 'core.at.byte', ['byte']],
  [/^row (\d+), column (\d+)$/, 'core.at.rowColumn', ['row', 'column']],
  [/^row (\d+)$/, 'core.at.row', ['row']],
  [/^gzip data after (\d+) decompressed bytes$/, 'core.at.gzipAfter', ['bytes']],
  [/^gzip data$/, 'core.at.gzip', []],
];

/** What was wrong: a setting's problem, a file's problem, or a whole message. */
const PROBLEMS = [
  [/^(-?[\d.e+-]+|NaN|inf|-inf) is outside the allowed range (\d+) to (\d+)$/, 'core.range', ['value', 'min', 'max']],
  [/^(-?[\d.e+-]+|NaN|inf|-inf) is outside the allowed range: above 0, at most ([\d.]+)$/, 'core.rangeAbove0', ['value', 'max']],
  [/^must be at least 1 epoch$/, 'core.atLeastOneEpoch', []],
  [/^the file is empty, not a model file$/, 'core.model.empty', []],
  [/^not a handwritten model file \(it does not start with HWNN\)$/, 'core.model.magic', []],
  [/^the file ends inside the (\d+)-byte header$/, 'core.model.header', ['header']],
  [/^format version (\d+), this program reads version (\d+)$/, 'core.model.version', ['version', 'reads']],
  [/^a (\d+)→(\d+) network, expected (\d+)→(\d+)$/, 'core.model.shape', ['inputs', 'outputs', 'wantInputs', 'wantOutputs']],
  [/^unknown activation code (\d+) \(0 = sigmoid, 1 = relu\)$/, 'core.model.activation', ['code']],
  [/^truncated: a network with (\d+) hidden units takes (\d+) bytes, the file has (\d+)$/, 'core.model.truncated', ['hidden', 'expected', 'actual']],
  [/^too long: a network with (\d+) hidden units takes (\d+) bytes, the file has (\d+)$/, 'core.model.tooLong', ['hidden', 'expected', 'actual']],
  [/^checksum mismatch \(stored (\w+), computed (\w+)\): the file is corrupted$/, 'core.model.checksum', ['stored', 'computed']],
  [/^parameter (\d+) is (\S+), not a finite number$/, 'core.model.notFinite', ['index', 'value']],
  [/^the weights of hidden unit (\d+) are so large that a drawing could give it z1 = (\S+), beyond what the network can compute; this is not a trained network$/, 'core.model.unbounded', ['unit', 'z']],
  [/^file ends inside the (\d+)-byte IDX header$/, 'core.idx.header', ['header']],
  [/^header says (\d+) items \((\d+) bytes\) but the file ends after (\d+) of them$/, 'core.idx.short', ['count', 'bytes', 'have']],
  [/^(\d+) bytes after the (\d+) items the header announces$/, 'core.idx.long', ['extra', 'count']],
  [/^label (\d+) is not a digit 0-9$/, 'core.idx.label', ['label']],
  [/^decompresses to more than (\d+) bytes$/, 'core.idx.gzipTooLarge', ['limit']],
  [/^training diverged at epoch (\d+), batch (\d+): the loss became (\S+); try a smaller learning rate$/, 'core.diverged.batch', ['epoch', 'batch', 'loss']],
  [/^training diverged in epoch (\d+): its mean loss ([\d.]+|NaN|inf) is worse than guessing \(ln 10 = 2\.30\); try a smaller learning rate$/, 'core.diverged.epoch', ['epoch', 'loss']],
  [/^(.+) holds (\d+) images but (.+) holds (\d+) labels$/, 'core.idx.count', ['images', 'imageCount', 'labels', 'labelCount']],
];

/** Parameters that are counts (shown as numbers of the language); the others stay as written. */
// Places in a file (byte, row, column, parameter index) stay as the core wrote them, to be found in the file.
const NUMERIC = new Set(['min', 'max', 'bytes', 'header', 'version', 'reads', 'hidden', 'expected', 'actual', 'count',
  'have', 'extra', 'limit', 'epoch', 'batch', 'imageCount', 'labelCount']);

function match(table, text) {
  for (const [pattern, key, names] of table) {
    const m = pattern.exec(text);
    if (m) {
      const params = {};
      names.forEach((name, i) => {
        params[name] = NUMERIC.has(name) ? Number(m[i + 1]) : m[i + 1];
      });
      return msg(key, params);
    }
  }
  return null;
}

/** A descriptor for a known message: a problem, "setting: problem" or "path: place: problem"; null otherwise. */
function describe(text) {
  const whole = match(PROBLEMS, text);
  if (whole) return whole;
  const setting = /^([a-z ]+): (.*)$/.exec(text);
  if (setting && setting[1] in SETTINGS) {
    const problem = match(PROBLEMS, setting[2]);
    if (problem) return msg('core.setting', { name: msg(SETTINGS[setting[1]]), problem });
  }
  // The path may itself hold ": " (a file name): try each split until the place is one the core writes.
  for (let i = text.indexOf(': '); i > 0; i = text.indexOf(': ', i + 2)) {
    const rest = text.slice(i + 2);
    const j = rest.indexOf(': ');
    if (j < 0) break;
    const at = match(PLACES, rest.slice(0, j));
    if (!at) continue;
    const problemText = rest.slice(j + 2);
    const problem = describe(problemText) ?? msg('core.untranslated', { text: problemText });
    return msg('core.file', { path: text.slice(0, i), at, problem });
  }
  return null;
}

/**
 * A message of the core (an Error's `message`, or any thrown value) as a descriptor in the page's language; an
 * unknown one is kept as the core wrote it.
 * @returns {{key: string, params: object}}
 */
export function coreMessage(e) {
  const text = e instanceof Error ? e.message : String(e);
  return describe(text) ?? msg('core.untranslated', { text });
}

/** An Error that carries its message as a descriptor, for the page to show in its language. */
export function failure(message) {
  const e = new Error(message.key);
  e.descriptor = message;
  return e;
}

/** What to show for a thrown value: its descriptor (see `failure`), or the core's message translated. */
export function errorMessage(e) {
  return e?.descriptor ?? coreMessage(e);
}
