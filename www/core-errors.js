// The Rust core's messages, as the page shows them. The core throws an Error whose `core` property is its message
// as a key of the string tables (www/i18n/*.json) with the parameters the message names (src/error.rs, src/wasm*.rs):
// numbers as numbers, file names as strings, messages within the message, and the numbers to write as the command
// line writes them (`{real, single, fixed, exponent}`, `{hex}`), which are written here, so that the wasm carries
// no formatter. Here such a message becomes a descriptor (i18n.js) in the page's terms; any other thrown value is
// shown as it says (core.untranslated). This module imports nothing: the training worker bundles it too.

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

/** Parameters that are counts (shown as numbers of the language); the others stay as the core would write them. */
// Places in a file (byte, row, column, parameter index) stay as the command line writes them, to be found in the file.
const NUMERIC = new Set(['min', 'max', 'bytes', 'header', 'version', 'reads', 'hidden', 'expected', 'actual', 'count',
  'have', 'extra', 'limit', 'epoch', 'batch', 'imageCount', 'labelCount', 'given', 'epochs']);

/** The fewest significant digits (at most 17) that read back as `x` (finite, ≥ 0), as an f32 when `single`. */
function shortestPrecision(x, single) {
  for (let p = 1; p < 17; p++) {
    const back = parseFloat(x.toPrecision(p));
    if ((single ? Math.fround(back) : back) === x) return p;
  }
  return 17;
}

/** A decimal the browser wrote in exponent form, positional: "1.5e+21" → "1500000000000000000000", "1e-7" → "0.0000001". */
function positional(text) {
  const e = text.indexOf('e');
  if (e < 0) return text;
  const digits = text.slice(0, e).replace('.', '');
  const power = Math.abs(Number(text.slice(e + 1)));
  if (text[e + 1] === '-') return `0.${'0'.repeat(power - 1)}${digits}`;
  return digits.length > power + 1 ? `${digits.slice(0, power + 1)}.${digits.slice(power + 1)}` : digits.padEnd(power + 1, '0');
}

/**
 * A number as Rust writes it: `{}` (the shortest decimal that reads back as the number, as an f32 when `single`,
 * never in exponent form), `{:.N}` (`fixed`: N digits after the point) or `{:.Ne}` (`exponent`: N digits); NaN, inf
 * and -inf as Rust writes them.
 */
export function rustNumber({ real: x, single, fixed, exponent }) {
  if (Number.isNaN(x)) return 'NaN';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a === Infinity) return `${sign}inf`;
  if (exponent !== undefined) return sign + a.toExponential(Math.min(exponent, 100)).replace('+', '');
  if (fixed !== undefined) return sign + positional(a.toFixed(Math.min(fixed, 100)));
  return sign + positional(a.toPrecision(shortestPrecision(a, single)));
}

function param(name, value) {
  if (typeof value === 'number') return NUMERIC.has(name) ? value : String(value);
  if (typeof value !== 'object' || value === null) return String(value);
  if ('key' in value) return describe(value);
  if ('hex' in value) return value.hex.toString(16).padStart(8, '0');
  return rustNumber(value);
}

/** A message of the core ({key, params}) as a descriptor. */
function describe({ key, params }) {
  const out = {};
  for (const [name, value] of Object.entries(params)) out[name.replace(/_(\w)/g, (_, c) => c.toUpperCase())] = param(name, value);
  if (key === 'core.setting' && out.name in SETTINGS) out.name = { key: SETTINGS[out.name], params: {} };
  return { key, params: out };
}

/**
 * A thrown value of the core (an Error with its message in `core`) as a descriptor in the page's language; any other
 * value (an Error's `message`, or a string) is kept as it says.
 * @returns {{key: string, params: object}}
 */
export function coreMessage(e) {
  if (e?.core?.key) return describe(e.core);
  return { key: 'core.untranslated', params: { text: e instanceof Error ? e.message : String(e) } };
}

/**
 * A message of the training worker as a descriptor: the worker's own is one already; the core's crosses as
 * `{core}` (the core's message as it threw it) and any other error as its text, worded here.
 */
export function workerMessage(message) {
  return typeof message === 'string' || message?.core ? coreMessage(message) : message;
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
