// interop.mjs drives chargebooth's OCPP 1.6J charger endpoint with an
// independent client, the npm package ocpp-rpc, in strict mode: every
// request we send and every answer the server gives is checked against
// the OCPP 1.6 JSON schemas that ship with ocpp-rpc.
//
// Settings (environment variables, or --flag value arguments):
//
//   OCPP_ENDPOINT   --endpoint   ws://host:port/chargers (ocpp-rpc appends
//                                "/" + the charger id)            required
//   CHARGER_ID      --id         the charger id (identity)           required
//   CHARGER_PASSWORD --password  HTTP Basic password (security profile 1)
//   STAFF_API       --api        http://host:port of the staff API
//   STAFF_TOKEN     --token      the staff bearer token
//   TRIGGER         --trigger    "1": call POST /api/chargers/{id}/remote-start
//                                ourselves (needs STAFF_API and STAFF_TOKEN);
//                                otherwise whoever reads our "ready" line does
//   EXPECT_INTERVAL --interval   the heartbeat interval Boot must answer
//   REMOTE_WAIT_MS  --remote-wait how long to wait for RemoteStartTransaction
//                                (default 10000)
//   EXPECT_CALLS    --expect-calls comma-separated server-initiated actions
//                                (Reset, ChangeAvailability, …) to wait for
//                                after RemoteStartTransaction; each is
//                                answered as a charger would (see answers)
//   CALLS_WAIT_MS   --calls-wait how long to wait for them (default 15000)
//   TIMEOUT_MS      --timeout    the whole run (default 30000)
//
// Output: one JSON object a line on stdout:
//   {"event":"step","name":"BootNotification","ok":true,...}  per step
//   {"event":"ready","chargerId":"…"}   waiting for RemoteStartTransaction
//   {"event":"served","action":"Reset","params":{…}} per server call answered
//   {"event":"calls","chargerId":"…"}   waiting for the EXPECT_CALLS
//   {"event":"summary","ok":true,...}   last line
// Exit status 0 only when every step passed and ocpp-rpc reported no strict
// validation failure, bad message, call error or unexpected close.

import { RPCClient } from 'ocpp-rpc';

function settings(argv, env) {
    const names = {
        endpoint: 'OCPP_ENDPOINT', id: 'CHARGER_ID', password: 'CHARGER_PASSWORD',
        api: 'STAFF_API', token: 'STAFF_TOKEN', trigger: 'TRIGGER', interval: 'EXPECT_INTERVAL',
        'remote-wait': 'REMOTE_WAIT_MS', timeout: 'TIMEOUT_MS',
        'expect-calls': 'EXPECT_CALLS', 'calls-wait': 'CALLS_WAIT_MS',
    };
    const out = {};
    for (const [flag, name] of Object.entries(names)) {
        if (env[name] !== undefined && env[name] !== '') out[flag] = env[name];
    }
    for (let i = 0; i < argv.length; i++) {
        const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
        if (!m || !(m[1] in names)) throw new Error(`unknown argument ${argv[i]}`);
        out[m[1]] = m[2] ?? argv[++i];
    }
    if (!out.endpoint || !out.id) throw new Error('OCPP_ENDPOINT (--endpoint) and CHARGER_ID (--id) are required');
    return {
        endpoint: out.endpoint.replace(/\/+$/, ''),
        id: out.id,
        password: out.password ?? null,
        api: out.api ? out.api.replace(/\/+$/, '') : '',
        token: out.token ?? '',
        trigger: out.trigger === '1' || out.trigger === 'true',
        interval: out.interval !== undefined ? Number(out.interval) : undefined,
        remoteWaitMs: Number(out['remote-wait'] ?? 10000),
        expectCalls: (out['expect-calls'] ?? '').split(',').map((x) => x.trim()).filter(Boolean),
        callsWaitMs: Number(out['calls-wait'] ?? 15000),
        timeoutMs: Number(out.timeout ?? 30000),
    };
}

function emit(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

function describe(err) {
    if (!err) return '';
    const parts = [err.name, err.rpcErrorCode, err.message].filter(Boolean);
    return parts.join(': ');
}

const cfg = (() => {
    try {
        return settings(process.argv.slice(2), process.env);
    } catch (err) {
        emit({ event: 'summary', ok: false, errors: [err.message] });
        process.exit(2);
    }
})();

// Everything that goes wrong, whatever reports it.
const failures = { strict: [], badMessages: [], callErrors: [], steps: [], other: [] };
const steps = [];
let finished = false;

function step(name, ok, detail = {}) {
    steps.push({ name, ok });
    emit({ event: 'step', name, ok, ...detail });
    if (!ok) failures.steps.push(`${name}: ${detail.error ?? 'failed'}`);
}

function check(name, cond, what, detail = {}) {
    step(name, !!cond, cond ? detail : { ...detail, error: what });
    return !!cond;
}

const client = new RPCClient({
    endpoint: cfg.endpoint,
    identity: cfg.id,
    password: cfg.password,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 10000,
});

client.on('strictValidationFailure', (ev) => {
    failures.strict.push({
        method: ev.method, outbound: ev.outbound, isCall: ev.isCall,
        error: describe(ev.error), details: ev.error?.details ?? null, result: ev.result ?? null,
    });
});
client.on('badMessage', (ev) => {
    failures.badMessages.push({ message: String(ev.buffer), error: describe(ev.error) });
});
client.on('callError', (ev) => {
    failures.callErrors.push({ method: ev.method, outbound: ev.outbound, error: describe(ev.error) });
});
client.on('socketError', (err) => failures.other.push(`socket error: ${describe(err)}`));
client.on('close', ({ code, reason }) => {
    if (!finished) failures.other.push(`socket closed early: ${code} ${String(reason ?? '')}`);
});

// RemoteStartTransaction from the server: answer Accepted and let main go on.
let remoteStartRan;
// The StatusNotification a TriggerMessage asks for, answered or failed;
// awaited before StopTransaction, so closing cannot cut it off.
let triggered = Promise.resolve();
const remoteStarted = new Promise((resolve) => { remoteStartRan = resolve; });
client.handle('RemoteStartTransaction', async ({ params }) => {
    remoteStartRan(params);
    return { status: 'Accepted' };
});
client.handle('RemoteStopTransaction', async () => ({ status: 'Accepted' }));

// Every other server-initiated action of OCPP 1.6J, answered as a charger
// would. strictMode checks each CALL the server sends against the
// action's request schema (a violation is answered with a CALLERROR and
// reported) and each answer here against the response schema.
const served = new Map(); // action → params of the last call
let servedChanged = () => {};
const answers = {
    Reset: () => ({ status: 'Accepted' }),
    ChangeAvailability: ({ type }) => ({ status: type === 'Inoperative' ? 'Scheduled' : 'Accepted' }),
    GetConfiguration: ({ key }) => {
        const known = { HeartbeatInterval: '42', MeterValueSampleInterval: '60', MeterValuesSampledData: 'Energy.Active.Import.Register' };
        const keys = key && key.length ? key : Object.keys(known);
        return {
            configurationKey: keys.filter((k) => k in known).map((k) => ({ key: k, readonly: false, value: known[k] })),
            unknownKey: keys.filter((k) => !(k in known)),
        };
    },
    ChangeConfiguration: ({ key }) => ({ status: key === 'HeartbeatInterval' ? 'RebootRequired' : 'Accepted' }),
    ClearCache: () => ({ status: 'Accepted' }),
    UnlockConnector: () => ({ status: 'Unlocked' }),
    TriggerMessage: ({ requestedMessage, connectorId }) => {
        if (requestedMessage === 'StatusNotification') {
            // The triggered message goes out after the answer, as the spec says.
            triggered = new Promise((resolve) => setTimeout(() => {
                client.call('StatusNotification', {
                    connectorId: connectorId ?? 1, status: 'Available', errorCode: 'NoError', timestamp: isoNow(),
                }).then((r) => check('TriggeredStatusNotification', r && Object.keys(r).length === 0, `got ${JSON.stringify(r)}, want {}`),
                    (err) => failures.other.push(`triggered StatusNotification: ${describe(err)}`)).finally(resolve);
            }, 10));
            return { status: 'Accepted' };
        }
        return { status: requestedMessage === 'MeterValues' ? 'Accepted' : 'NotImplemented' };
    },
    DataTransfer: ({ vendorId, data }) => (vendorId === 'org.chargebooth'
        ? { status: 'Accepted', data: `echo:${data ?? ''}` } : { status: 'UnknownVendorId' }),
    GetLocalListVersion: () => ({ listVersion: 3 }),
    SendLocalList: ({ listVersion }) => ({ status: listVersion > 3 ? 'Accepted' : 'VersionMismatch' }),
};
for (const [action, answer] of Object.entries(answers)) {
    client.handle(action, async ({ params }) => {
        served.set(action, params);
        emit({ event: 'served', action, params });
        servedChanged();
        return answer(params ?? {});
    });
}

// allServed resolves once every expected action was served.
function allServed(expected) {
    return new Promise((resolve) => {
        const done = () => expected.every((a) => served.has(a));
        servedChanged = () => { if (done()) resolve(); };
        servedChanged();
    });
}

function isoNow() {
    return new Date().toISOString();
}

function isDateTime(s) {
    return typeof s === 'string' && !Number.isNaN(Date.parse(s));
}

async function triggerRemoteStart() {
    const url = `${cfg.api}/api/chargers/${encodeURIComponent(cfg.id)}/remote-start`;
    const resp = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${cfg.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ idTag: 'interop', connectorId: 1 }),
    });
    const body = await resp.text();
    check('RemoteStartAPI', resp.status === 200, `HTTP ${resp.status}: ${body}`, { status: resp.status, body });
}

function within(promise, ms, what) {
    let timer;
    return Promise.race([
        promise,
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); }),
    ]).finally(() => clearTimeout(timer));
}

async function run() {
    await client.connect();
    check('Protocol', client.protocol === 'ocpp1.6', `negotiated ${JSON.stringify(client.protocol)}, want "ocpp1.6"`,
        { protocol: client.protocol });

    const boot = await client.call('BootNotification', {
        chargePointVendor: 'ocpp-rpc', chargePointModel: 'interop', chargePointSerialNumber: 'IT-0001',
        firmwareVersion: '2.2.1',
    });
    check('BootNotification',
        boot.status === 'Accepted' && Number.isInteger(boot.interval) && isDateTime(boot.currentTime)
            && (cfg.interval === undefined || boot.interval === cfg.interval),
        `got ${JSON.stringify(boot)}, want Accepted, an integer interval${cfg.interval !== undefined ? ` of ${cfg.interval}` : ''} and a currentTime`,
        { status: boot.status, interval: boot.interval });

    const hb = await client.call('Heartbeat', {});
    check('Heartbeat', isDateTime(hb.currentTime), `got ${JSON.stringify(hb)}, want a currentTime`,
        { currentTime: hb.currentTime });

    const st = await client.call('StatusNotification', {
        connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: isoNow(),
    });
    check('StatusNotification', st && Object.keys(st).length === 0, `got ${JSON.stringify(st)}, want {}`);

    const mv = await client.call('MeterValues', {
        connectorId: 0,
        meterValue: [{ timestamp: isoNow(), sampledValue: [{ value: '85.0', measurand: 'SoC', unit: 'Percent' }] }],
    });
    check('MeterValues', mv && Object.keys(mv).length === 0, `got ${JSON.stringify(mv)}, want {}`, { soc: '85.0' });

    // One out-of-range SoC beside good samples: answered {}, the good ones kept.
    const mvBad = await client.call('MeterValues', {
        connectorId: 1,
        meterValue: [{ timestamp: isoNow(), sampledValue: [
            { value: '150', measurand: 'SoC', unit: 'Percent' },
            { value: '1200', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            { value: '100.4', measurand: 'SoC', unit: 'Percent' },
        ] }],
    });
    check('MeterValuesBadSample', mvBad && Object.keys(mvBad).length === 0, `got ${JSON.stringify(mvBad)}, want {}`);

    for (const [action, params] of [
        ['FirmwareStatusNotification', { status: 'Installed' }],
        ['DiagnosticsStatusNotification', { status: 'Idle' }],
        ['SecurityEventNotification', { type: 'FirmwareUpdated', timestamp: isoNow(), techInfo: 'interop' }],
    ]) {
        const conf = await client.call(action, params);
        check(action, conf && Object.keys(conf).length === 0, `got ${JSON.stringify(conf)}, want {}`);
    }

    const start = await client.call('StartTransaction', {
        connectorId: 1, idTag: 'interop', meterStart: 1000, timestamp: isoNow(),
    });
    const txId = start.transactionId;
    check('StartTransaction', Number.isInteger(txId) && start.idTagInfo?.status === 'Accepted',
        `got ${JSON.stringify(start)}, want an integer transactionId and idTagInfo Accepted`, { transactionId: txId });

    emit({ event: 'ready', chargerId: cfg.id, transactionId: txId });
    if (cfg.trigger) {
        if (!cfg.api || !cfg.token) throw new Error('TRIGGER needs STAFF_API and STAFF_TOKEN');
        await triggerRemoteStart();
    }
    const params = await within(remoteStarted, cfg.remoteWaitMs, 'no RemoteStartTransaction');
    check('RemoteStartTransaction', typeof params?.idTag === 'string', `got ${JSON.stringify(params)}`, { params });

    if (cfg.expectCalls.length > 0) {
        emit({ event: 'calls', chargerId: cfg.id, expect: cfg.expectCalls });
        try {
            await within(allServed(cfg.expectCalls), cfg.callsWaitMs, 'not every expected server call arrived');
        } catch (err) {
            failures.other.push(`${describe(err)}: got ${JSON.stringify([...served.keys()])}, want ${JSON.stringify(cfg.expectCalls)}`);
        }
        for (const a of cfg.expectCalls) check(`Served${a}`, served.has(a), `no ${a} from the server`);
    }

    try {
        await within(triggered, cfg.callsWaitMs, 'the triggered StatusNotification got no answer');
    } catch (err) {
        failures.other.push(describe(err));
    }
    const stop = await client.call('StopTransaction', {
        transactionId: Number.isInteger(txId) ? txId : 0, meterStop: 1500, timestamp: isoNow(), reason: 'Local',
        idTag: 'interop',
    });
    check('StopTransaction', stop && (stop.idTagInfo === undefined || typeof stop.idTagInfo.status === 'string'),
        `got ${JSON.stringify(stop)}`);
    return txId;
}

const watchdog = setTimeout(() => {
    failures.other.push(`run did not finish within ${cfg.timeoutMs} ms`);
    finish(undefined);
}, cfg.timeoutMs);

async function finish(txId) {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    try {
        await within(client.close({ code: 1000, reason: 'interop done' }), 2000, 'close');
    } catch (err) {
        failures.other.push(`close: ${describe(err)}`);
    }
    const ok = steps.length > 0 && failures.steps.length === 0 && failures.strict.length === 0
        && failures.badMessages.length === 0 && failures.callErrors.length === 0 && failures.other.length === 0;
    emit({
        event: 'summary', ok, protocol: client.protocol ?? null, transactionId: txId ?? null,
        steps, strictFailures: failures.strict, badMessages: failures.badMessages,
        callErrors: failures.callErrors, errors: [...failures.steps, ...failures.other],
    });
    process.exitCode = ok ? 0 : 1;
    // Nothing else should keep the process alive; make sure of it.
    setTimeout(() => process.exit(process.exitCode), 100).unref();
}

run().then(finish, (err) => {
    failures.other.push(describe(err));
    finish(undefined);
});
