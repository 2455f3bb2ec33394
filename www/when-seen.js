// Work put off until it is wanted, so that the page's start does only what its first reading of a digit needs: the
// hidden units' squares and the training charts, far below the pad, drawn when they come near (drawn while the page
// started they delayed that first reading), and other work done when the page is idle.

/**
 * Calls `work()` once the page is next idle (at once, in a new task, where the browser has no idle callbacks).
 * @param {() => void} work
 */
export function whenIdle(work) {
  (window.requestIdleCallback ?? setTimeout)(work);
}

/**
 * Returns a function that asks for `draw()` on `element`: run at once when the element is on the screen or within a
 * screen's height of it (`near`, the observer's margin); otherwise once, when the page is next idle, the element comes
 * near, or the page is about to be printed, whichever is first. With `idle: false` not when the page is idle: work
 * asked for at every frame, as the derivation is while one draws, would be done at every idle moment.
 * @param {Element} element
 * @param {() => void} draw
 * @param {{near?: string, idle?: boolean}} [options]
 * @returns {() => void}
 */
export function drawWhenSeen(element, draw, { near: margin = '100% 0px', idle = true } = {}) {
  let near = false;
  let wanted = false;
  let waiting = false;
  const run = () => {
    waiting = false;
    if (!wanted) return;
    wanted = false;
    draw();
  };
  new IntersectionObserver(
    (entries) => {
      // (The last of the element's changes since the observer last reported is where it is now.)
      near = entries[entries.length - 1].isIntersecting;
      if (near) run();
    },
    { rootMargin: margin },
  ).observe(element);
  addEventListener('beforeprint', run);
  return () => {
    wanted = true;
    if (near) {
      run();
    } else if (idle && !waiting) {
      waiting = true;
      whenIdle(run);
    }
  };
}
