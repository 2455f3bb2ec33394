// "Train like the tutorial": fills the training form with the tutorial's settings.

/** The tutorial's run: 784 → 28 sigmoid → 10, weights uniform in [−1, 1], per-sample SGD at η = 0.1, 10 epochs. */
const TUTORIAL = {
  hidden: '28',
  activation: 'sigmoid',
  init: 'uniform',
  'batch-size': '1',
  'learning-rate': '0.1',
  schedule: 'constant',
  epochs: '10',
  augment: 'off',
};

/** Sets the form's fields to the tutorial's settings. */
export function presetTutorial() {
  for (const [id, value] of Object.entries(TUTORIAL)) {
    const field = /** @type {HTMLInputElement|HTMLSelectElement} */ (document.getElementById(id));
    field.value = value;
    field.dispatchEvent(new Event('change', { bubbles: true }));
  }
}
