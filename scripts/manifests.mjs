#!/usr/bin/env node
// The web app manifest in each of the page's languages: www/manifest.json (English) with its name, short name,
// description and language taken from the language's string table (page.title, page.name, page.description), so
// that a reader who installs the page in Chinese gets a Chinese name. The page points its <link rel="manifest"> at
// the one of its language (www/i18n.js, manifestFile).
//
//   node scripts/manifests.mjs OUT_DIR      writes OUT_DIR/manifest.LANG.json for every language but English
//
// scripts/build-site.sh runs it; tests/i18n.test.mjs checks that English's strings are www/manifest.json's.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TABLES, LANGUAGES, manifestFile } from '../www/i18n.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The manifest for `lang`: www/manifest.json with the strings of `lang`'s table. */
export function manifestFor(lang) {
  const table = TABLES[lang];
  return {
    ...JSON.parse(fs.readFileSync(path.join(root, 'www/manifest.json'), 'utf8')),
    name: table['page.title'],
    short_name: table['page.name'],
    description: table['page.description'],
    lang,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/manifests.mjs OUT_DIR');
    process.exit(2);
  }
  for (const lang of LANGUAGES.filter((lang) => lang !== 'en')) {
    fs.writeFileSync(path.join(out, manifestFile(lang)), `${JSON.stringify(manifestFor(lang), null, 2)}\n`);
  }
}
