// The customer page: one phone's LED, charge and money, live over
// server-sent events from /c/{token}/events. EventSource reconnects by
// itself after a dropped stream; after a refused one (the server was
// restarting) this script opens a new one. It asks once for permission to
// notify and notifies and vibrates once when the phone is charged.

const base = location.pathname.replace(/\/+$/, '');
const key = 'chargebooth.c.' + base.slice(base.lastIndexOf('/') + 1, base.lastIndexOf('/') + 9);
const $ = (id) => document.getElementById(id);
let view = null;

function money(cents, currency) {
  return `${currency} ${(cents / 100).toFixed(2)}`;
}

function duration(s) {
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

function headline(v) {
  switch (v.phase) {
    case 'collected': return `Collected at ${v.collectedLocal}`;
    case 'ready': return 'Ready for pick-up';
    default:
      if (v.status === 'charging80') return 'Almost charged';
      if (v.status === 'charging') return 'Charging';
      return 'Waiting for the charger';
  }
}

function render(v) {
  view = v;
  const main = $('phone');
  main.dataset.phase = v.phase;
  $('headline').textContent = headline(v);
  document.title = headline(v);
  if (v.phase === 'collected') return;
  $('led').dataset.status = v.phase === 'ready' ? 'charged' : v.status || '';
  $('led').setAttribute('aria-label', `LED ${v.phase === 'ready' ? 'green' : { charging: 'red', charging80: 'yellow' }[v.status] || 'off'}`);
  const soc = v.soc ?? 0;
  $('fill').style.width = `${Math.max(0, Math.min(100, soc))}%`;
  $('bar').setAttribute('aria-valuenow', String(Math.round(soc)));
  $('soc').textContent = v.soc == null ? '' : `${Math.round(v.soc)} %`;
  $('elapsed').textContent = duration(v.chargingSeconds || 0);
  $('due').textContent = v.balanceCents > 0 ? money(v.balanceCents, v.currency) : 'Paid';
  if (v.phase === 'ready') announce();
}

// announce notifies and vibrates once per ticket when the phone is charged.
function announce() {
  try {
    if (localStorage.getItem(key + '.told')) return;
    localStorage.setItem(key + '.told', '1');
  } catch { /* storage off: may tell again on reload */ }
  if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
  if ('Notification' in window && Notification.permission === 'granted') {
    try {
      new Notification('Your phone is charged', { body: 'Ready for pick-up at the booth.' });
    } catch { /* some phones notify from a service worker only */ }
  }
}

// askOnce offers the notification prompt once (it needs a tap on most phones).
function askOnce() {
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  let asked = false;
  try { asked = !!localStorage.getItem(key + '.asked'); } catch { /* ignore */ }
  if (asked) return;
  const btn = $('notify');
  btn.hidden = false;
  btn.addEventListener('click', async () => {
    try { localStorage.setItem(key + '.asked', '1'); } catch { /* ignore */ }
    btn.hidden = true;
    try { await Notification.requestPermission(); } catch { /* ignore */ }
  }, { once: true });
}

let es = null;
let retry = null;

function connect() {
  clearTimeout(retry);
  es = new EventSource(base + '/events');
  es.addEventListener('view', (e) => {
    $('conn').hidden = true;
    const v = JSON.parse(e.data);
    render(v);
    if (v.phase === 'collected') es.close();
  });
  es.addEventListener('error', () => {
    if (view && view.phase === 'collected') return;
    $('conn').hidden = false;
    if (es.readyState === EventSource.CLOSED) {
      // A refused stream (503 while the booth restarts, 404 on a lost
      // link) is not retried by EventSource: check the link, then retry.
      fetch(base + '/state', { cache: 'no-store' }).then((res) => {
        if (res.status === 404) {
          $('phone').dataset.phase = 'missing';
          $('headline').textContent = 'This ticket link is not known';
          return;
        }
        retry = setTimeout(connect, 2000);
      }, () => { retry = setTimeout(connect, 2000); });
    }
  });
}

// Time charging moves on between updates.
setInterval(() => {
  if (view && view.phase !== 'collected') {
    view.chargingSeconds = (view.chargingSeconds || 0) + 10;
    $('elapsed').textContent = duration(view.chargingSeconds);
  }
}, 10000);

askOnce();
connect();
