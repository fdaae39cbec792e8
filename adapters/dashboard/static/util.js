// Small helpers shared by every view: DOM lookup, ids, money and time.

/** $ returns the first element matching sel below root. */
export const $ = (sel, root = document) => root.querySelector(sel);

/** enc escapes one path segment. */
export const enc = encodeURIComponent;

/** ID_RE is what the server accepts as a charger or widget id. */
export const ID_RE = /^[A-Za-z0-9._-]{1,48}$/;

/** LED_LABEL names each LED status for screen readers. */
export const LED_LABEL = {
  charging: 'red, charging',
  charging80: 'yellow, at least 80 %',
  charged: 'green, charged',
  none: 'off',
};

/** ledStatus maps any status to one LED_LABEL knows. */
export function ledStatus(s) {
  return Object.hasOwn(LED_LABEL, s || '') ? s : 'none';
}

/** showMsg shows text in el, or hides el when text is empty. */
export function showMsg(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/** setText writes text only when it changed, so unchanged nodes cost no layout. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** setData writes a data attribute only when it changed. */
export function setData(el, key, value) {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

// uuid returns a random v4 UUID. crypto.randomUUID only exists in secure
// contexts, and a booth box is usually reached over plain http on the LAN.
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const digitsCache = new Map();
const moneyFmtCache = new Map();

/** minorDigits is the number of minor-unit digits of a currency (EUR 2, JPY 0). */
export function minorDigits(cur) {
  if (!digitsCache.has(cur)) {
    let d = 2;
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency: cur }).resolvedOptions().maximumFractionDigits;
    } catch {
      // unknown code: assume cents
    }
    digitsCache.set(cur, d);
  }
  return digitsCache.get(cur);
}

/** fmtMoney renders integer minor units in the currency's format. */
export function fmtMoney(cents, cur) {
  if (typeof cents !== 'number') return '–';
  const d = minorDigits(cur);
  if (!moneyFmtCache.has(cur)) {
    let f = null;
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur });
    } catch {
      // fall back below
    }
    moneyFmtCache.set(cur, f);
  }
  const f = moneyFmtCache.get(cur);
  const major = cents / 10 ** d;
  return f ? f.format(major) : `${major.toFixed(d)} ${cur}`;
}

const shortFmtCache = new Map();

/** fmtMoneyShort renders minor units compactly for a tile: "€5", "€5.50". */
export function fmtMoneyShort(cents, cur) {
  if (typeof cents !== 'number') return '–';
  const d = minorDigits(cur);
  if (!shortFmtCache.has(cur)) {
    let f = null;
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur, minimumFractionDigits: 0 });
    } catch {
      // fall back below
    }
    shortFmtCache.set(cur, f);
  }
  const f = shortFmtCache.get(cur);
  const major = cents / 10 ** d;
  if (!f) return `${major} ${cur}`;
  return cents % 10 ** d === 0 ? f.format(major) : fmtMoney(cents, cur);
}

/** centsToMajor renders integer minor units as the amount staff type ("5.00"). */
export function centsToMajor(cents, cur) {
  const d = minorDigits(cur);
  return (cents / 10 ** d).toFixed(d);
}

// majorToCents parses what staff typed ("5", "5.5", "5,50") into integer
// minor units without going through floating point. null when invalid or
// not positive.
export function majorToCents(text, cur) {
  const d = minorDigits(cur);
  const m = /^\s*(\d{1,9})(?:[.,](\d*))?\s*$/.exec(text);
  if (!m) return null;
  let frac = m[2] || '';
  if (frac.length > d) frac = frac.replace(/0+$/, '');
  if (frac.length > d) return null;
  const cents = Number(m[1]) * 10 ** d + Number(frac.padEnd(d, '0') || '0');
  return cents > 0 ? cents : null;
}

/** parseTime returns epoch ms, or NaN for missing and zero times. */
export function parseTime(s) {
  const t = s ? Date.parse(s) : NaN;
  return t > Date.UTC(2000, 0, 1) ? t : NaN;
}

/** fmtDuration renders ms as h:mm:ss. */
export function fmtDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

/** fmtAgo renders how long ago t (epoch ms) was. */
export function fmtAgo(t, now) {
  if (Number.isNaN(t)) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleString();
}

/** fmtClock renders an RFC 3339 time (or now) as the local wall clock. */
export function fmtClock(s) {
  const t = parseTime(s);
  return new Date(Number.isNaN(t) ? Date.now() : t).toLocaleTimeString([], { hour12: false });
}

/** fmtSoc renders a state of charge. */
export function fmtSoc(soc) {
  return Number.isInteger(soc) ? `${soc}%` : `${soc.toFixed(1)}%`;
}
