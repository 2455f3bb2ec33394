// The page's two languages, Simplified Chinese and English: one table of strings per language
// (i18n/zh-CN.json, i18n/en.json, keyed by name), the reader's choice, and the text of the page.
//
// The HTML carries keys, not text:
//   data-i18n="key"                 the element's text
//   data-i18n-html="key"            the element's content, for the few strings with inline markup (<sub>, <code>, ...)
//   data-i18n-attr="title:k1,aria-label:k2"   attributes
//   data-i18n-params='{"n": 3}'     parameters of the element's strings (JSON), set by `setText` / `setAttr`
// A message in JS is a descriptor {key, params}: it is stored on the element it is shown in, so that a change of
// language re-renders every string on the page, including the ones the page wrote while it ran. A parameter is a
// number (formatted for the language with Intl.NumberFormat), a number with format options ({n, ...options}), a
// date ({date: ms}), a nested descriptor (translated too), or a string shown as it is (file names, code names).
// A string in a table is a template ("{name}" is a parameter) or, for plural forms, an object of
// Intl.PluralRules categories chosen by the parameter `count` ({"one": "...", "other": "..."}).

import en from './i18n/en.json' with { type: 'json' };
import zhCN from './i18n/zh-CN.json' with { type: 'json' };

/** The tables, by language tag. To add a language: a table with every key, and an entry here and in #lang. */
export const TABLES = { 'zh-CN': zhCN, en };
export const LANGUAGES = Object.keys(TABLES);
const STORAGE_KEY = 'handwritten.lang';

/** The language for a list of the browser's preferred languages: any zh* is Chinese, anything else English. */
export function languageFor(preferred) {
  return preferred.some((tag) => /^zh\b/i.test(tag)) ? 'zh-CN' : 'en';
}

/** The file of the web app manifest in `lang`, next to manifest.json (English's): scripts/manifests.mjs writes it. */
export function manifestFile(lang) {
  return lang === 'en' ? 'manifest.json' : `manifest.${lang}.json`;
}

function storedLanguage() {
  try {
    const lang = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(lang) ? lang : null;
  } catch {
    return null; // storage blocked: the browser's languages decide, every visit
  }
}

const browser = globalThis.navigator;
let current = storedLanguage() ?? languageFor(browser?.languages?.length ? browser.languages : [browser?.language ?? 'en']);
const listeners = [];
const numberFormats = new Map();
const pluralRules = new Map();

/** The page's language: 'zh-CN' or 'en'. */
export function language() {
  return current;
}

/** A descriptor of a message, to show with `setText` / `setAttr` or to translate with `t`. */
export function msg(key, params = {}) {
  return { key, params };
}

/** A number parameter shown with `digits` decimals, or as a percentage with `style: 'percent'`. */
export function fixed(n, digits) {
  return { n, minimumFractionDigits: digits, maximumFractionDigits: digits };
}

/** A fraction (0.973) shown as a percentage with `digits` decimals (97.30%). */
export function percent(n, digits) {
  return { n, style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits };
}

/** The languages in which Intl.NumberFormat, with no options, writes an integer as its digits in groups of three
 * separated by commas (-12,345). */
export const COMMA_GROUPED = new Set(['en', 'zh-CN']);

function isEmpty(object) {
  for (const _ in object) return false;
  return true;
}

/** A number formatted for the page's language (options: those of Intl.NumberFormat). */
export function formatNumber(n, options = {}) {
  // An integer with no options written here as Intl writes it (tests/i18n.test.mjs checks that), without Intl: its
  // first format takes tens of milliseconds on a slow machine, and the page's start then needs none.
  if (COMMA_GROUPED.has(current) && Number.isSafeInteger(n) && !Object.is(n, -0) && isEmpty(options)) {
    return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
  }
  const id = `${current} ${JSON.stringify(options)}`;
  let format = numberFormats.get(id);
  if (!format) numberFormats.set(id, (format = new Intl.NumberFormat(current, options)));
  return format.format(n);
}

function param(value) {
  if (typeof value === 'number') return formatNumber(value);
  if (value && typeof value === 'object') {
    if ('key' in value) return t(value.key, value.params);
    if ('date' in value) return new Date(value.date).toLocaleString(current, { dateStyle: 'short', timeStyle: 'short' });
    if ('n' in value) {
      const { n, ...options } = value;
      return formatNumber(n, options);
    }
  }
  return String(value);
}

/**
 * The string `key` in the page's language with its parameters filled in. A key missing from the table shows as
 * itself (the key test keeps that from shipping).
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 */
export function t(key, params = {}) {
  let template = TABLES[current][key] ?? TABLES.en[key];
  if (template === undefined) return key;
  if (typeof template === 'object') {
    const count = typeof params.count === 'object' ? params.count.n : params.count;
    let rules = pluralRules.get(current);
    if (!rules) pluralRules.set(current, (rules = new Intl.PluralRules(current)));
    template = template[rules.select(Number(count))] ?? template.other;
  }
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? param(params[name]) : whole));
}

/** Translates a descriptor, or returns a plain string as it is. */
export function text(message) {
  return typeof message === 'string' ? message : t(message.key, message.params);
}

function paramsOf(el) {
  const json = el.getAttribute('data-i18n-params');
  return json ? JSON.parse(json) : {};
}

/** Renders the strings of `el` (and nothing below it) from its data-i18n* attributes. */
function render(el) {
  const params = paramsOf(el);
  const key = el.getAttribute('data-i18n');
  if (key) el.textContent = t(key, params);
  const html = el.getAttribute('data-i18n-html');
  if (html) el.innerHTML = t(html);
  const attrs = el.getAttribute('data-i18n-attr');
  if (attrs) {
    for (const pair of attrs.split(',')) {
      const [name, attrKey] = pair.split(':').map((s) => s.trim());
      el.setAttribute(name, t(attrKey, params));
    }
  }
}

/** Renders every keyed element in `root` (the document by default), `root` itself included. */
export function translate(root = document) {
  if (root instanceof Element) render(root);
  for (const el of root.querySelectorAll('[data-i18n], [data-i18n-html], [data-i18n-attr]')) render(el);
}

/** Shows a message (a descriptor, or '' to empty the element) as the text of `el`, kept for a change of language. */
export function setText(el, message) {
  if (!message) {
    el.removeAttribute('data-i18n');
    el.removeAttribute('data-i18n-params');
    el.textContent = '';
    return;
  }
  el.setAttribute('data-i18n', message.key);
  setParams(el, message.params);
  el.textContent = t(message.key, message.params);
}

/** Sets attributes of `el` from descriptors ({title: msg(...), 'aria-label': msg(...)}); they share one set of params. */
export function setAttrs(el, messages) {
  const entries = Object.entries(messages);
  el.setAttribute('data-i18n-attr', entries.map(([name, m]) => `${name}:${m.key}`).join(','));
  setParams(el, Object.assign({}, ...entries.map(([, m]) => m.params)));
  for (const [name, m] of entries) el.setAttribute(name, t(m.key, m.params));
}

function setParams(el, params) {
  if (params && Object.keys(params).length) el.setAttribute('data-i18n-params', JSON.stringify(params));
  else el.removeAttribute('data-i18n-params');
}

/** Calls `listener(lang)` after every change of language (for what is drawn, not written: charts, labels in JS). */
export function onLanguageChange(listener) {
  listeners.push(listener);
}

/** Sets the language without touching the page (for tests of the tables outside a browser). */
export function useLanguage(lang) {
  if (LANGUAGES.includes(lang)) current = lang;
}

/** Switches the page to `lang`, remembers the choice, and re-renders every string; nothing else on the page changes. */
export function setLanguage(lang, { remember = true } = {}) {
  if (!LANGUAGES.includes(lang)) return;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // Storage blocked: the choice holds for this visit only.
    }
  }
  if (lang === current && document.documentElement.lang === lang) return;
  current = lang;
  apply();
  for (const listener of listeners) listener(lang);
}

function apply() {
  document.documentElement.lang = current;
  translate(document);
  // The web app manifest in the page's language, so that the page installed in Chinese has a Chinese name.
  const manifest = document.querySelector('link[rel="manifest"]');
  manifest?.setAttribute('href', manifest.getAttribute('href').replace(/manifest(\.[\w-]+)?\.json$/, manifestFile(current)));
  for (const button of document.querySelectorAll('#lang [data-lang]')) {
    button.setAttribute('aria-pressed', String(button.getAttribute('data-lang') === current));
  }
}

/** Connects the language switch (#lang, buttons with data-lang) and renders the page in the current language. */
export function startLanguage() {
  for (const button of document.querySelectorAll('#lang [data-lang]')) {
    button.addEventListener('click', () => setLanguage(button.getAttribute('data-lang')));
  }
  apply();
}
