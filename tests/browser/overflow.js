// Run in the page by browserkit.overflow_problems: every visible element that reaches past the
// right edge of the screen, whose text is wider than its box or whose content is cut off by a
// box that clips it (sideways or at the bottom); a box that scrolls by design (a wide table)
// is fine, and so is what it holds. Returns the
// problems as sentences; an empty list when everything fits.
() => {
  const problems = [];
  const root = document.scrollingElement || document.documentElement;
  const width = document.documentElement.clientWidth;
  if (root.scrollWidth > width + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth}px of content in ${width}px`);
  }
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + Array.from(el.classList).join('.');
    const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return text ? `${name} "${text}"` : name;
  };
  const controls = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'OPTION']);
  const scrolls = (v) => v === 'auto' || v === 'scroll';
  // Content inside a box that scrolls sideways by design (a wide table) is reachable: only
  // that box itself must fit.
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scrolls(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (inScroller(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right <= 0 || box.bottom <= 0) continue;  // moved off screen on purpose (skip link)
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (box.right > width + 1) {
      problems.push(`${describe(el)} reaches ${Math.round(box.right)}px, past the ${width}px screen`);
    }
    if (controls.has(el.tagName)) continue;  // a text field scrolls its own value
    const clips = (v) => v === 'hidden' || v === 'clip';
    // Text wider than its box, or anything wider than a box that clips it. (A layout box may
    // let a child break out on purpose, as the projector view does; that child is checked
    // itself.)
    const hasText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const wide = el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;
    if (wide && !scrolls(style.overflowX) && (hasText || clips(style.overflowX))) {
      problems.push(`${describe(el)}: content ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
    }
    if (clips(style.overflowY) && el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1) {
      problems.push(`${describe(el)}: content cut off at the bottom (${el.scrollHeight}px in ${el.clientHeight}px)`);
    }
  }
  return problems;
}
