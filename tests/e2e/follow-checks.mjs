// Shared by follow.test.mjs (Chromium) and follow-firefox.test.mjs: reading #follow's quantities in the page, and
// checking the derivation's identities on them.

/** Every quantity of #follow: name → values, plus y and the network's w2 (h × 10) and activation. */
export function readFollow() {
  const q = window.handwritten.followed();
  const model = window.handwritten.activeModel();
  return { q, y: Number(document.querySelector('#follow').dataset.y), w2: Array.from(model.weights2()), activation: model.activation };
}

/** Checks the derivation's identities on what #follow shows; `close` compares with a tolerance. */
export function checkIdentities({ q, y, w2, activation }, assert) {
  const close = (a, b, what, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
  const h = q.z1.length;
  assert.equal(q.a0.length, 784);
  assert.deepEqual([q.a1.length, q.delta1.length, q.db1.length, q.dw1.length, q.dw2.length], [h, h, h, 784 * h, h * 10]);
  const sigmoid = (z) => 1 / (1 + Math.exp(-z));
  const f = activation === 'sigmoid' ? sigmoid : (z) => Math.max(0, z);
  const fPrime = activation === 'sigmoid' ? (z) => sigmoid(z) * (1 - sigmoid(z)) : (z) => (z > 0 ? 1 : 0);
  q.z1.forEach((z, j) => close(q.a1[j], f(z), `a1[${j}] = f(z1[${j}])`));
  const m = Math.max(...q.z2);
  const e = q.z2.map((z) => Math.exp(z - m));
  const sum = e.reduce((a, b) => a + b, 0);
  e.forEach((v, k) => close(q.a2[k], v / sum, `a2[${k}] = softmax(z2)[${k}]`));
  assert.deepEqual(q.y, Array.from({ length: 10 }, (_, k) => (k === y ? 1 : 0)), 'y is one-hot');
  close(q.loss[0], -Math.log(q.a2[y]), 'L = −ln a2[y]', 1e-4);
  q.delta2.forEach((d, k) => close(d, q.a2[k] - q.y[k], `δ2[${k}] = a2 − y`));
  assert.deepEqual(q.db2, q.delta2, '∂L/∂b2 = δ2');
  for (let j = 0; j < h; j++) for (let k = 0; k < 10; k++) close(q.dw2[j * 10 + k], q.a1[j] * q.delta2[k], `∂L/∂w2[${j},${k}]`);
  for (let j = 0; j < h; j++) {
    let back = 0;
    for (let k = 0; k < 10; k++) back += q.delta2[k] * w2[j * 10 + k];
    close(q.delta1[j], back * fPrime(q.z1[j]), `δ1[${j}]`, 1e-4);
  }
  assert.deepEqual(q.db1, q.delta1, '∂L/∂b1 = δ1');
  for (let i = 0; i < 784; i++) for (let j = 0; j < h; j++) close(q.dw1[i * h + j], q.a0[i] * q.delta1[j], `∂L/∂w1[${i},${j}]`);
  assert.ok(Math.abs(q.a2_after.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'a2 after the step sums to 1');
}
