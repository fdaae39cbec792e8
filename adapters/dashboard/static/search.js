// The one search box. Typing filters the board; Enter (what a barcode
// scanner sends after the code) opens the one charger the text names.
//
// Extension points: addMatcher adds a way a charger matches typed text
// (claim codes and customer labels will), addResolver a way to name one
// charger exactly, possibly asking the server.

import { chargers } from './store.js';
import { setMatcher } from './tiles.js';
import { $, showMsg } from './util.js';

const norm = (s) => String(s || '').trim().toLowerCase();

// matchers say whether a charger matches the (normalised) text.
const matchers = [
  (c, q) => norm(c.chargerId).includes(q),
  (c, q) => norm(c.widgetId).includes(q),
];

// resolvers name one charger exactly: fn(text) -> chargerId | '' (or a promise of one).
const resolvers = [
  (q) => {
    for (const c of chargers.values()) if (norm(c.chargerId) === q) return c.chargerId;
    return '';
  },
  (q) => {
    for (const c of chargers.values()) if (norm(c.widgetId) === q) return c.chargerId;
    return '';
  },
];

/** addMatcher adds fn(charger, text) -> bool to what the box filters by. */
export function addMatcher(fn) {
  matchers.push(fn);
}

/** addResolver adds fn(text) -> chargerId ('' for none), tried in order on Enter. */
export function addResolver(fn) {
  resolvers.push(fn);
}

/** initSearch wires the box; open(chargerId) shows a charger's panel. */
export function initSearch(open) {
  const box = $('#search');
  const msg = $('#search-msg');
  const filter = () => {
    const q = norm(box.value);
    showMsg(msg, '');
    return setMatcher(q ? (c) => matchers.some((m) => m(c, q)) : null);
  };
  box.addEventListener('input', filter);
  box.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || !box.value) return;
    ev.stopPropagation(); // the first Esc clears the box, the next closes the panel
    box.value = '';
    filter();
  });
  $('#search-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = norm(box.value);
    if (!q) return;
    let id = '';
    for (const r of resolvers) {
      try {
        id = await r(q);
      } catch {
        id = '';
      }
      if (id) break;
    }
    if (!id) {
      const shown = filter();
      if (shown.length === 1) id = shown[0];
    }
    if (!id) {
      showMsg(msg, `Nothing matches “${box.value.trim()}”.`);
      box.select();
      return;
    }
    // The next scan replaces the text; the board shows everything again.
    box.value = '';
    filter();
    open(id);
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    ev.preventDefault();
    box.focus();
    box.select();
  });
}
