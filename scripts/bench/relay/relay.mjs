// The benchmark's peer: an in-memory relay that speaks chargebooth's simple
// charger protocol on /chargers/{id} and its widget protocol on
// /widgets/{id} (DESIGN.md), and persists nothing. A reading
// {"event":"StateOfCharge","id":"r1","data":{"soc":70}} is validated as
// chargebooth validates it, answered with {"event":"Ack","data":{"id":"r1"}}
// and forwarded to the paired widget as its LED status. It exists so that
// `make bench` can put chargebooth's figures next to those of the smallest
// server that does the same work on the wire.
//
//   node relay.mjs --http-port 17000 --charger-port 17100 --widget-port 17200 \
//     [--host 127.0.0.1] [--pairings pairings.json]
//
// Pairing: the --pairings file (chargebooth's format, {"c1":"w1", …}),
// PUT /api/pairings/{chargerId} {"widgetId":"w1"} on the HTTP port (any
// bearer token), and, for a charger in neither, the id with its last "c"
// before the trailing digits turned into "w" (lgc0001 ↔ lgw0001).
// GET /readyz answers 200 once every port listens.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { WebSocketServer } from 'ws';

const args = parseArgs(process.argv.slice(2));
const host = args.host ?? '127.0.0.1';

const idPattern = /^[A-Za-z0-9._-]{1,48}$/;
const maxReadingIDLen = 128;
const readLimit = 64 * 1024;

const chargerToWidget = new Map(); // charger id → widget id
const widgetToCharger = new Map(); // widget id → charger id
const widgets = new Map(); // widget id → its socket
const chargers = new Map(); // charger id → its socket
const lastStatus = new Map(); // charger id → the status frame of its latest reading

// asText sends a Buffer as a text frame (ws sends Buffers as binary otherwise).
const asText = { binary: false };

// The three status frames, encoded once.
const statusFrames = {
  charging: Buffer.from('{"event":"StateOfCharge","data":{"status":"charging"}}'),
  charging80: Buffer.from('{"event":"StateOfCharge","data":{"status":"charging80"}}'),
  charged: Buffer.from('{"event":"StateOfCharge","data":{"status":"charged"}}'),
};

if (args.pairings) {
  const table = JSON.parse(readFileSync(args.pairings, 'utf8'));
  for (const [charger, widget] of Object.entries(table)) pair(charger, widget);
}

// pair records charger ↔ widget, dropping any earlier pairing of either.
function pair(charger, widget) {
  const oldWidget = chargerToWidget.get(charger);
  if (oldWidget !== undefined) widgetToCharger.delete(oldWidget);
  const oldCharger = widgetToCharger.get(widget);
  if (oldCharger !== undefined) chargerToWidget.delete(oldCharger);
  chargerToWidget.set(charger, widget);
  widgetToCharger.set(widget, charger);
}

// widgetOf returns the widget paired with a charger.
function widgetOf(charger) {
  const w = chargerToWidget.get(charger);
  if (w !== undefined) return w;
  const m = /^(.*)c([0-9]+)$/.exec(charger);
  return m ? `${m[1]}w${m[2]}` : undefined;
}

// chargerOf returns the charger paired with a widget.
function chargerOf(widget) {
  const c = widgetToCharger.get(widget);
  if (c !== undefined) return c;
  const m = /^(.*)w([0-9]+)$/.exec(widget);
  if (!m) return undefined;
  const charger = `${m[1]}c${m[2]}`;
  return chargerToWidget.has(charger) ? undefined : charger;
}

function errorFrame(code, message) {
  return JSON.stringify({ event: 'Error', data: { code, message } });
}

// onReading handles one charger frame: validate, Ack, forward.
function onReading(charger, ws, raw, isBinary) {
  if (isBinary) {
    ws.send(errorFrame('binary_not_supported', 'send text frames'));
    return;
  }
  let f;
  try {
    f = JSON.parse(raw);
  } catch {
    ws.send(errorFrame('malformed_json', 'the frame is not valid JSON'));
    return;
  }
  if (f === null || typeof f !== 'object' || Array.isArray(f)) {
    ws.send(errorFrame('malformed_json', 'a frame must be one JSON object'));
    return;
  }
  if (f.event !== 'StateOfCharge') {
    ws.send(errorFrame('unknown_event', 'a charger sends "StateOfCharge"'));
    return;
  }
  const id = f.id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || id === '' || id.length > maxReadingIDLen)) {
    ws.send(errorFrame('invalid_id', `"id" must be a string of 1 to ${maxReadingIDLen} characters`));
    return;
  }
  const d = f.data;
  const soc = d !== null && typeof d === 'object' ? d.soc : undefined;
  if (typeof soc !== 'number' || !Number.isFinite(soc) || soc < 0 || soc > 100) {
    ws.send(errorFrame('invalid_soc', '"data.soc" must be a number from 0 to 100'));
    return;
  }
  if (typeof id === 'string') ws.send(`{"event":"Ack","data":{"id":${JSON.stringify(id)}}}`);
  const frame = soc < 80 ? statusFrames.charging : soc < 100 ? statusFrames.charging80 : statusFrames.charged;
  lastStatus.set(charger, frame);
  const w = widgetOf(charger);
  const peer = w === undefined ? undefined : widgets.get(w);
  if (peer !== undefined) peer.send(frame, asText);
}

// serveSockets listens on port for /{prefix}/{id} upgrades and calls
// onOpen(id, ws) for each socket.
function serveSockets(port, prefix, onOpen) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: readLimit, perMessageDeflate: false });
  const server = http.createServer((req, res) => refuse(res, 426, 'upgrade to a WebSocket'));
  server.on('upgrade', (req, socket, head) => {
    const path = req.url.split('?')[0];
    const id = path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : null;
    if (id === null || !idPattern.test(id)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nbad id\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onOpen(id, ws));
  });
  return listen(server, port);
}

function refuse(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text + '\n');
}

// replace keeps ws as the socket of id in m, closing the one before.
function replace(m, id, ws) {
  const old = m.get(id);
  if (old !== undefined) old.close(4000, 'replaced by a new connection');
  m.set(id, ws);
  ws.on('close', () => {
    if (m.get(id) === ws) m.delete(id);
  });
}

function onCharger(id, ws) {
  replace(chargers, id, ws);
  ws.on('message', (raw, isBinary) => onReading(id, ws, raw, isBinary));
  ws.on('error', () => {});
}

function onWidget(id, ws) {
  replace(widgets, id, ws);
  ws.on('error', () => {});
  ws.on('message', () => {});
  const c = chargerOf(id);
  const st = c === undefined ? undefined : lastStatus.get(c);
  if (st !== undefined) ws.send(st, asText);
}

// serveHTTP answers /readyz, /healthz, POST /gc (loadgen --gc-url) and the
// pairing calls loadgen --api makes.
function serveHTTP(port) {
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/readyz' || path === '/healthz') return refuse(res, 200, 'ok');
    if (path === '/gc' && req.method === 'POST') {
      // loadgen --gc-url: collect the garbage before the idle RSS samples
      // (node --expose-gc, as run.sh starts it).
      if (typeof globalThis.gc !== 'function') return refuse(res, 501, 'start node with --expose-gc');
      globalThis.gc();
      res.writeHead(204);
      return res.end();
    }
    const m = /^\/api\/pairings\/([^/]+)$/.exec(path);
    if (m && req.method === 'PUT') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        try {
          const widget = JSON.parse(body).widgetId;
          const charger = decodeURIComponent(m[1]);
          if (!idPattern.test(charger) || typeof widget !== 'string' || !idPattern.test(widget)) throw new Error('bad id');
          pair(charger, widget);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ chargerId: charger, widgetId: widget }));
        } catch {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          res.end('{"error":{"code":"invalid_pairing","message":"want {\\"widgetId\\":…}"}}');
        }
      });
      return;
    }
    refuse(res, 404, 'not found');
  });
  return listen(server, port);
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) usage(`unexpected argument ${argv[i]}`);
    const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    out[key] = m[2] ?? argv[++i];
    if (out[key] === undefined) usage(`--${m[1]} needs a value`);
  }
  for (const k of ['httpPort', 'chargerPort', 'widgetPort']) {
    if (out[k] === undefined) usage('--http-port, --charger-port and --widget-port are needed');
    out[k] = Number(out[k]);
  }
  return out;
}

function usage(msg) {
  process.stderr.write(`relay: ${msg}\nusage: node relay.mjs --http-port P --charger-port P --widget-port P [--host H] [--pairings FILE]\n`);
  process.exit(2);
}

// Port 0 picks a free port; the ready line names the ports in use.
const chargerServer = await serveSockets(args.chargerPort, '/chargers/', onCharger);
const widgetServer = await serveSockets(args.widgetPort, '/widgets/', onWidget);
const httpServer = await serveHTTP(args.httpPort);
const portOf = (s) => s.address().port;
process.stdout.write(
  `relay ready on ${host}: http=${portOf(httpServer)} chargers=${portOf(chargerServer)} widgets=${portOf(widgetServer)}\n`,
);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
