// Checking one derivative of the derivation without calculus: nudge one parameter θ_p by ±ε, compute the loss
// again, and divide its change by 2ε. The central difference
//
//   (L(θ + ε·e_p) − L(θ − ε·e_p)) / 2ε = ∂L/∂θ_p + O(ε²)
//
// is what backprop's ∂L/∂θ_p (Model.follow, in Rust) must agree with. It is computed here, apart from the Rust code,
// in JavaScript's double precision: the two losses differ by about 2ε·∂L/∂θ_p, a few millionths of L, which single
// precision would lose to rounding. Nudging one parameter moves one sum of the forward pass, and what follows it:
//
//   w1[i, j] moves z1[j] by ±a0[i]·ε      b1[j] moves z1[j] by ±ε
//   w2[j, k] moves z2[k] by ±a1[j]·ε      b2[k] moves z2[k] by ±ε
//
// then a1[j] = f(z1[j]), z2 = a1·w2 + b2 and L = logsumexp(z2) − z2[y], from the derivation's own z1 and z2.

/** ε, the nudge: the O(ε²) term (|L‴|·ε²/6, about 10⁻⁷ here) is far below what is shown, and the change of L far
 * above the rounding of double precision. */
export const EPSILON = 1e-3;

/** f(z) in double precision. */
const F = { sigmoid: (z) => 1 / (1 + Math.exp(-z)), relu: (z) => Math.max(z, 0) };

/** L = logsumexp(z2) − z2[y] = −ln softmax(z2)[y]: (10) → scalar. */
function loss(z2, y) {
  const m = Math.max(...z2);
  let sum = 0;
  for (const z of z2) sum += Math.exp(z - m);
  return m + Math.log(sum) - z2[y];
}

/**
 * The check of entry `index` of `tensor` ('w1' (784, h) at i·h + j, 'b1' (h) at j, 'w2' (h, 10) at j·10 + k, 'b2'
 * (10) at k: the layouts of the derivation's gradients) for derivation `d` (Model.follow's) of a network with
 * hidden activation `activation` ('sigmoid' or 'relu') and w2 (h × 10, row-major):
 * {epsilon, lossPlus, lossMinus, slope, kink, kept}: L(θ ± ε·e_p), their central difference, whether the nudge moves
 * a ReLU unit's z1 across 0 (L has a kink inside ±ε there, and the slope across it is neither side's derivative), and
 * how many digits of backprop's value to expect (`digitsKept`).
 */
export function nudge(d, tensor, index, activation, w2) {
  const h = d.z1.length;
  const f = F[activation];
  // The unit whose z1 the parameter enters (−1 for w2, b2), the digit whose z2 it enters, and what it multiplies.
  const [unit, digit, times] = {
    w1: () => [index % h, -1, d.a0[Math.floor(index / h)]],
    b1: () => [index, -1, 1],
    w2: () => [-1, index % 10, d.a1[Math.floor(index / 10)]],
    b2: () => [-1, index, 1],
  }[tensor]();
  /** L with θ_p moved by `step`, and z1 of the unit it moves. */
  const moved = (step) => {
    const z2 = Array.from(d.z2);
    if (unit < 0) {
      z2[digit] += times * step;
      return [loss(z2, d.y), 0];
    }
    const z = d.z1[unit] + times * step;
    const da1 = f(z) - f(d.z1[unit]);
    for (let k = 0; k < 10; k++) z2[k] += da1 * w2[unit * 10 + k];
    return [loss(z2, d.y), z];
  };
  const [[lossPlus, zPlus], [lossMinus, zMinus]] = [moved(EPSILON), moved(-EPSILON)];
  return {
    epsilon: EPSILON,
    lossPlus,
    lossMinus,
    slope: (lossPlus - lossMinus) / (2 * EPSILON),
    kink: activation === 'relu' && unit >= 0 && (zPlus > 0) !== (zMinus > 0),
    kept: digitsKept(d, tensor, index, activation, w2),
  };
}

/**
 * About how many significant digits of backprop's ∂L/∂θ_p (for a network of hidden activation `activation` and w2,
 * h × 10) its single precision keeps:
 * 7 for a number computed once (24 bits), fewer where the sums that make it cancel. Three such places:
 * - δ₂[y] = a₂[y] − 1 with a₂[y] near 1: a₂[y]'s 24 bits hold few digits of its distance to 1 (3 when a₂[y] = 0.99995);
 *   ∂L/∂w₂ and ∂L/∂b₂ of digit y are made from it;
 * - δ₁[j] = Σ_k δ₂[k]·w₂[j, k] ⋅ f′(z₁[j]): the sum's terms (and the error of δ₂[y]) can be far larger than the sum;
 * - f′(z₁[j]) = a₁[j](1 − a₁[j]) for a sigmoid unit near 1: the same as a₂[y];
 * ∂L/∂w₁ and ∂L/∂b₁ of unit j are made from δ₁[j]. Each rounding counts as 2⁻²³ of what it rounds (a unit or two of
 * the last place).
 */
export function digitsKept(d, tensor, index, activation, w2) {
  const ULP = 2 ** -23;
  const near1 = (a) => (a > 0.5 ? ULP / Math.max(1 - a, ULP) : ULP);
  let error; // relative
  if (tensor === 'w2' || tensor === 'b2') {
    error = (tensor === 'w2' ? index % 10 : index) === d.y ? near1(d.a2[d.y]) : ULP;
  } else {
    const h = d.z1.length;
    const j = tensor === 'w1' ? index % h : index;
    let sum = 0;
    let size = Math.abs(w2[j * 10 + d.y]); // δ₂[y]'s own error, carried by w₂[j, y]
    for (let k = 0; k < 10; k++) {
      const term = d.delta2[k] * w2[j * 10 + k];
      sum += term;
      size += Math.abs(term);
    }
    error = (ULP * size) / Math.max(Math.abs(sum), Number.MIN_VALUE) + (activation === 'sigmoid' ? near1(d.a1[j]) : 0);
  }
  return Math.max(0, Math.min(7, -Math.log10(error)));
}
