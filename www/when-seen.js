// Drawing what is far below the screen only when it is wanted: the hidden units' squares and the training charts
// sit far below the pad, and drawn while the page starts they delayed its first reading of a digit.

/**
 * Returns a function that asks for `draw()` on `element`: run at once when the element is on the screen or within a
 * screen's height of it; otherwise once, when the page is next idle, the element comes near, or the page is about to
 * be printed, whichever is first.
 * @param {Element} element
 * @param {() => void} draw
 * @returns {() => void}
 */
export function drawWhenSeen(element, draw) {
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
    { rootMargin: '100% 0px' },
  ).observe(element);
  addEventListener('beforeprint', run);
  return () => {
    wanted = true;
    if (near) {
      run();
    } else if (!waiting) {
      waiting = true;
      (window.requestIdleCallback ?? setTimeout)(run);
    }
  };
}
