// interop.mjs puts the protocol's own client, npm socket.io-client v4, under
// the control of a Go test (cmd/chargebooth/socketio_e2e_test.go). It reads
// one JSON command a line on stdin and writes one JSON report a line on
// stdout, so the test decides what each client does and sees everything
// it receives.
//
// Commands:
//   {"op":"connect","id":"a","url":"http://127.0.0.1:3000","opts":{...}}
//       io(url, opts) — opts as socket.io-client takes them (auth, query,
//       extraHeaders, transports, reconnectionDelay, ...)
//   {"op":"emit","id":"a","ref":"r1","event":"subscribe","args":[...],"ack":true}
//       emit with an acknowledgement (reported as "ack" with ref) or without
//   {"op":"drop","id":"a"}     close the transport under the client (it reconnects)
//   {"op":"close","id":"a"}    disconnect for good
//   {"op":"exit"}
// Reports:
//   {"id":"a","type":"connect","recovered":false}
//   {"id":"a","type":"connect_error","message":"...","data":{...}}
//   {"id":"a","type":"disconnect","reason":"..."}
//   {"id":"a","type":"event","event":"reading","args":[...]}
//   {"id":"a","type":"ack","ref":"r1","args":[...]}   (or "error" on timeout)
//   {"type":"error","message":"..."}  a command this script could not run

import { io } from 'socket.io-client';
import { createInterface } from 'node:readline';

const sockets = new Map();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function connect(c) {
    const s = io(c.url, { reconnectionDelay: 100, reconnectionDelayMax: 500, ...c.opts });
    sockets.set(c.id, s);
    s.on('connect', () => out({ id: c.id, type: 'connect', recovered: s.recovered }));
    s.on('connect_error', (e) => out({ id: c.id, type: 'connect_error', message: e.message, data: e.data ?? null }));
    s.on('disconnect', (reason) => out({ id: c.id, type: 'disconnect', reason }));
    s.onAny((event, ...args) => out({ id: c.id, type: 'event', event, args }));
}

function run(c) {
    const s = sockets.get(c.id);
    switch (c.op) {
    case 'connect':
        connect(c);
        return;
    case 'exit':
        for (const s of sockets.values()) s.close();
        process.exit(0);
    }
    if (!s) throw new Error(`no client ${c.id}`);
    switch (c.op) {
    case 'emit':
        if (c.ack) {
            s.timeout(c.timeoutMs ?? 40000).emit(c.event, ...(c.args ?? []), (err, ...args) => {
                if (err) out({ id: c.id, type: 'ack', ref: c.ref, error: String(err) });
                else out({ id: c.id, type: 'ack', ref: c.ref, args });
            });
        } else {
            s.emit(c.event, ...(c.args ?? []));
        }
        return;
    case 'drop':
        s.io.engine.close();
        return;
    case 'close':
        s.close();
        return;
    }
    throw new Error(`unknown op ${c.op}`);
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
    if (!line.trim()) return;
    try { run(JSON.parse(line)); } catch (e) { out({ type: 'error', message: String(e && e.message || e) }); }
});
rl.on('close', () => { for (const s of sockets.values()) s.close(); process.exit(0); });
