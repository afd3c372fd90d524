#!/usr/bin/env node
// tests/smpp/peer.js - a scriptable SMPP 3.4 SMSC for chabar's tests.
//
// Kannel (smsc = smpp) connects to it and binds; the test drives it with
// line commands on stdin and reads what happened as JSON lines (one object
// per line) on stdout, or in the file given with --events.  Built on the
// npm package `smpp` (tests/smpp/package.json; install with `npm ci` in
// this directory).  See tests/smpp/README.md for what was observed with
// Debian's Kannel 1.4.5.
//
// Usage: node peer.js [--host 127.0.0.1] [--port N | N] [--system-id ID]
//                     [--password PW] [--events FILE]
// Environment (used when the option is absent): SMPP_HOST, SMPP_PORT,
// SMPP_SYSTEM_ID, SMPP_PASSWORD, SMPP_EVENTS.  Without a port the kernel
// picks one (see the "listening" event).  With a system id / password set,
// a bind with other credentials is refused (ESME_RBINDFAIL).
//
// Commands (one per line; every line is answered with a "command" event
// {"event":"command","n":<line number>,"ok":true|false,"error":...}):
//   mo FROM TO OP SESSION TEXT...
//        deliver_sm with TLVs ussd_service_op (0x0501, 1 octet) and
//        its_session_info (0x1383, 2 octets).  OP: decimal or 0xHH, or "-"
//        to leave the TLV out.  SESSION: "N" (session N, sequence 0, end
//        bit 0), "N/SEQ", "N/SEQ/END" (octet 2 = SEQ<<1 | END), "0xHHHH"
//        (the two octets verbatim) or "-" (no TLV).  TEXT may be empty.
//   sms FROM TO TEXT...
//        a plain deliver_sm (no TLVs, no service_type).
//   dlr MESSAGE_ID [STAT [ERR]]
//        a delivery receipt (esm_class 0x04) for a submit_sm answered
//        earlier with MESSAGE_ID; STAT defaults to DELIVRD, ERR to 000.
//   set mo_service_type VALUE|-   service_type of later "mo" deliver_sm
//                                  ("USSD"; "-" = empty, the default)
//   set coding auto|0|3|8          data_coding of later mo/sms: auto (the
//        default) sends printable ASCII as 0 (GSM 03.38, which is what
//        Kannel expects for 0) and anything else as 8 (UCS-2, UTF-16BE);
//        3 sends Latin-1.
//   set submit_status N            command_status of later submit_sm_resp
//                                  (0 = OK; e.g. 8 = ESME_RSYSERR)
// FROM/TO: a leading "+" is stripped and sets TON 1 (international), which
// Kannel turns back into a leading "+"; otherwise TON 0.  NPI is 1.
//
// Events (keys always in this order, so tests may grep them):
//   {"event":"listening","host":..,"port":N}
//   {"event":"bound","session":N,"mode":"transceiver"|"receiver"|"transmitter",
//    "system_id":..,"system_type":..,"interface_version":N}
//   {"event":"bind_refused","session":N,"mode":..,"system_id":..}
//   {"event":"enquire_link","session":N}
//   {"event":"deliver_sm","seq":N,"from":..,"to":..,"data_coding":N,"text":..,
//    "ussd_service_op":N|null,"its_session_info":"hhhh"|null,"service_type":..,
//    "esm_class":N,"short_message":"hh.."}              (an MO or DLR sent)
//   {"event":"deliver_sm_resp","seq":N,"command_status":N}   (Kannel's ack)
//   {"event":"submit_sm","seq":N,"from":..,"to":..,"data_coding":N,"text":..,
//    "ussd_service_op":N|null,"its_session_info":"hhhh"|null,"service_type":..,
//    "message_id":..,"command_status":N,"esm_class":N,"registered_delivery":N,
//    "udh":"hh.."|null,"short_message":"hh..","tlvs":{"name":value,...}}
//        text is the message decoded to UTF-8 (UDH removed): data_coding 8
//        as UTF-16BE, 0 as GSM 03.38 (Kannel's default for 0), 3 and
//        anything else as Latin-1; short_message is the raw octets in hex.
//   {"event":"unbind","session":N}, {"event":"closed","session":N}
//   {"event":"error",...}, {"event":"exit","reason":"SIGTERM"|"stdin"|...}
// The peer exits with status 0 on SIGTERM, SIGINT or end of stdin.
'use strict';

const fs = require('fs');
const readline = require('readline');
const smpp = require('smpp');

// ---------------------------------------------------------------------------
// Raw short_message octets both ways: the package's own filter decodes and
// encodes text by its own rules (e.g. data_coding 0 as ASCII-ish), and the
// point of this peer is to show exactly what Kannel sends.
for (const c of ['submit_sm', 'deliver_sm', 'data_sm']) {
    const p = smpp.commands[c] && smpp.commands[c].params;
    if (p && p.short_message) delete p.short_message.filter;
}
if (smpp.tlvs.message_payload) delete smpp.tlvs.message_payload.filter;

// ---------------------------------------------------------------------------
// Options
function parseArgs(argv) {
    const o = {
        host: process.env.SMPP_HOST || '127.0.0.1',
        port: process.env.SMPP_PORT || '0',
        systemId: process.env.SMPP_SYSTEM_ID || '',
        password: process.env.SMPP_PASSWORD || '',
        events: process.env.SMPP_EVENTS || '',
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) usage(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--host') o.host = val();
        else if (a === '--port') o.port = val();
        else if (a === '--system-id') o.systemId = val();
        else if (a === '--password') o.password = val();
        else if (a === '--events') o.events = val();
        else if (a === '-h' || a === '--help') usage('');
        else if (/^[0-9]+$/.test(a)) o.port = a;
        else usage(`unknown argument: ${a}`);
    }
    if (!/^[0-9]+$/.test(String(o.port)) || Number(o.port) > 65535) usage(`bad port: ${o.port}`);
    o.port = Number(o.port);
    return o;
}

function usage(msg) {
    if (msg) process.stderr.write(`peer.js: ${msg}\n`);
    process.stderr.write('usage: node peer.js [--host H] [--port N | N] [--system-id ID] ' +
        '[--password PW] [--events FILE]\n');
    process.exit(msg ? 2 : 0);
}

const opt = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------
// Event output: one JSON object per line, written synchronously so nothing
// is lost when the process exits right after.
let eventsFd = null;
if (opt.events) eventsFd = fs.openSync(opt.events, 'a');

function emit(obj) {
    const line = JSON.stringify(obj) + '\n';
    if (eventsFd !== null) fs.writeSync(eventsFd, line);
    else process.stdout.write(line);
}

// ---------------------------------------------------------------------------
// Text coding
function utf16beDecode(buf) {
    const even = buf.length & ~1;
    const sw = Buffer.from(buf.subarray(0, even));
    sw.swap16();
    return sw.toString('utf16le');
}

function utf16beEncode(str) {
    const b = Buffer.from(str, 'utf16le');
    b.swap16();
    return b;
}

function decodeText(buf, dc) {
    const enc = dc & 0x0f;
    if (dc === 8 || ((dc & 0xf0) === 0 && enc === 8)) return utf16beDecode(buf);
    if (dc === 0) return smpp.gsmCoder.decode(buf, 0);
    return buf.toString('latin1');
}

let codingMode = 'auto';

function encodeText(text) {
    let dc = codingMode === 'auto' ? (/^[\x20-\x7e]*$/.test(text) ? 0 : 8) : Number(codingMode);
    if (dc === 0) return { dc, bytes: smpp.gsmCoder.encode(text, 0) };
    if (dc === 3) return { dc, bytes: Buffer.from(text, 'latin1') };
    return { dc: 8, bytes: utf16beEncode(text) };
}

// Address: "+996..." -> TON 1 (international); anything else TON 0.
function addr(s) {
    if (s.startsWith('+')) return { ton: 1, npi: 1, addr: s.slice(1) };
    return { ton: 0, npi: 1, addr: s };
}

function hex(buf) {
    return Buffer.isBuffer(buf) ? buf.toString('hex') : null;
}

// TLV values as JSON: buffers in hex, numbers and strings as they are.
function tlvValue(v) {
    if (Buffer.isBuffer(v)) return v.toString('hex');
    if (Array.isArray(v)) return v.map(tlvValue);
    if (v && typeof v === 'object' && Buffer.isBuffer(v.message)) return v.message.toString('hex');
    return v;
}

// ---------------------------------------------------------------------------
// Sessions
let sessionCounter = 0;
const sessions = new Set(); // bound sessions
let messageCounter = 1000000;
const submitted = new Map(); // message_id -> {from, to}
let moServiceType = '';
let submitStatus = 0;

const BIND_MODES = {
    bind_transceiver: 'transceiver',
    bind_receiver: 'receiver',
    bind_transmitter: 'transmitter',
};

function onSession(session) {
    const id = ++sessionCounter;
    session.peerId = id;
    session.mode = null;

    for (const cmd of Object.keys(BIND_MODES)) {
        session.on(cmd, (pdu) => {
            const mode = BIND_MODES[cmd];
            if ((opt.systemId && pdu.system_id !== opt.systemId) ||
                (opt.password && pdu.password !== opt.password)) {
                emit({ event: 'bind_refused', session: id, mode, system_id: pdu.system_id });
                session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
                return;
            }
            session.mode = mode;
            sessions.add(session);
            session.send(pdu.response({ system_id: 'chabar-peer' }));
            emit({
                event: 'bound', session: id, mode, system_id: pdu.system_id,
                system_type: pdu.system_type, interface_version: pdu.interface_version,
            });
        });
    }

    session.on('enquire_link', (pdu) => {
        session.send(pdu.response());
        emit({ event: 'enquire_link', session: id });
    });

    session.on('unbind', (pdu) => {
        emit({ event: 'unbind', session: id });
        sessions.delete(session);
        session.send(pdu.response());
        session.close();
    });

    session.on('submit_sm', (pdu) => onSubmit(session, pdu));

    session.on('unknown', (pdu) => {
        emit({ event: 'error', session: id, message: 'unknown command', command_id: pdu.command_id });
        session.send(pdu.response());
    });

    session.on('error', (e) => {
        emit({ event: 'error', session: id, message: String(e && e.message || e) });
    });

    session.on('close', () => {
        sessions.delete(session);
        emit({ event: 'closed', session: id });
    });
}

function onSubmit(session, pdu) {
    if (session.mode !== 'transceiver' && session.mode !== 'transmitter') {
        emit({ event: 'error', session: session.peerId, message: 'submit_sm before a transmitter bind' });
        session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
        return;
    }
    let raw = Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0);
    if (raw.length === 0 && Buffer.isBuffer(pdu.message_payload)) raw = pdu.message_payload;
    let udh = null;
    let body = raw;
    if ((pdu.esm_class & 0x40) && raw.length > 0 && raw[0] + 1 <= raw.length) {
        udh = raw.subarray(0, raw[0] + 1);
        body = raw.subarray(raw[0] + 1);
    }
    const dc = pdu.data_coding || 0;
    const messageId = String(++messageCounter);
    const tlvs = {};
    for (const k of Object.keys(pdu)) {
        if (k in smpp.tlvs || /^[0-9]+$/.test(k)) {
            const name = /^[0-9]+$/.test(k) ? '0x' + Number(k).toString(16).padStart(4, '0') : k;
            tlvs[name] = tlvValue(pdu[k]);
        }
    }
    const from = (pdu.source_addr_ton === 1 ? '+' : '') + pdu.source_addr;
    const to = (pdu.dest_addr_ton === 1 ? '+' : '') + pdu.destination_addr;
    if (submitStatus === 0) submitted.set(messageId, { from, to });
    emit({
        event: 'submit_sm',
        seq: pdu.sequence_number,
        from,
        to,
        data_coding: dc,
        text: decodeText(body, dc),
        ussd_service_op: typeof pdu.ussd_service_op === 'number' ? pdu.ussd_service_op : null,
        its_session_info: hex(pdu.its_session_info),
        service_type: pdu.service_type || '',
        message_id: submitStatus === 0 ? messageId : null,
        command_status: submitStatus,
        esm_class: pdu.esm_class,
        registered_delivery: pdu.registered_delivery,
        udh: hex(udh),
        short_message: raw.toString('hex'),
        tlvs,
    });
    if (submitStatus === 0) session.send(pdu.response({ message_id: messageId }));
    else session.send(pdu.response({ command_status: submitStatus }));
}

// The session Kannel receives on: the newest bound receiver or transceiver.
function receiverSession() {
    let found = null;
    for (const s of sessions) {
        if (s.mode === 'transceiver' || s.mode === 'receiver') found = s;
    }
    return found;
}

function sendDeliver(fields, report) {
    const s = receiverSession();
    if (!s) throw new Error('no receiver bound');
    const pdu = new smpp.PDU('deliver_sm', fields);
    s.send(pdu, (resp) => {
        emit({ event: 'deliver_sm_resp', seq: resp.sequence_number, command_status: resp.command_status });
    });
    // sequence_number is assigned by send()
    const sm = Buffer.isBuffer(fields.message_payload) ? fields.message_payload : fields.short_message;
    emit(Object.assign({ event: 'deliver_sm', seq: pdu.sequence_number }, report,
        { short_message: sm.toString('hex') }));
}

function parseOp(s) {
    if (s === '-') return null;
    const n = /^0x[0-9a-f]{1,2}$/i.test(s) ? parseInt(s, 16) : (/^[0-9]{1,3}$/.test(s) ? Number(s) : NaN);
    if (!(n >= 0 && n <= 255)) throw new Error(`bad ussd_service_op: ${s}`);
    return n;
}

function parseSession(s) {
    if (s === '-') return null;
    if (/^0x[0-9a-f]{4}$/i.test(s)) return Buffer.from(s.slice(2), 'hex');
    const m = /^([0-9]{1,3})(?:\/([0-9]{1,3})(?:\/([01]))?)?$/.exec(s);
    if (!m) throw new Error(`bad session: ${s}`);
    const n = Number(m[1]);
    const seq = Number(m[2] || 0);
    const end = Number(m[3] || 0);
    if (n > 255 || seq > 127) throw new Error(`bad session: ${s}`);
    return Buffer.from([n, (seq << 1) | end]);
}

function moFields(from, to, text) {
    const f = addr(from);
    const t = addr(to);
    const { dc, bytes } = encodeText(text);
    const fields = {
        source_addr_ton: f.ton, source_addr_npi: f.npi, source_addr: f.addr,
        dest_addr_ton: t.ton, dest_addr_npi: t.npi, destination_addr: t.addr,
        esm_class: 0, data_coding: dc,
    };
    // short_message holds at most 254 octets; longer goes in message_payload
    if (bytes.length <= 254) fields.short_message = bytes;
    else {
        fields.short_message = Buffer.alloc(0);
        fields.message_payload = bytes;
    }
    return { fields, dc };
}

// split "cmd a b c rest of text" into n words plus the rest (may be empty)
function words(line, n) {
    const out = [];
    let rest = line;
    for (let i = 0; i < n; i++) {
        const m = /^\s*(\S+)(?:\s(.*))?$/s.exec(rest);
        if (!m) throw new Error(`expected ${n - 1} arguments`);
        out.push(m[1]);
        rest = m[2] || '';
    }
    out.push(rest);
    return out;
}

function pad2(n) {
    return String(n).padStart(2, '0');
}

function smppDate(d) {
    return pad2(d.getUTCFullYear() % 100) + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) +
        pad2(d.getUTCHours()) + pad2(d.getUTCMinutes());
}

function command(line) {
    const cmd = (/^\s*(\S*)/.exec(line) || ['', ''])[1];
    if (cmd === '') return false; // blank line: ignored, not acknowledged
    if (cmd === 'mo') {
        const [, from, to, opS, sessS, text] = words(line, 5);
        const op = parseOp(opS);
        const info = parseSession(sessS);
        const { fields, dc } = moFields(from, to, text);
        if (moServiceType) fields.service_type = moServiceType;
        if (op !== null) fields.ussd_service_op = op;
        if (info !== null) fields.its_session_info = info;
        sendDeliver(fields, {
            from, to, data_coding: dc, text, ussd_service_op: op,
            its_session_info: hex(info), service_type: moServiceType, esm_class: 0,
        });
    } else if (cmd === 'sms') {
        const [, from, to, text] = words(line, 3);
        const { fields, dc } = moFields(from, to, text);
        sendDeliver(fields, {
            from, to, data_coding: dc, text, ussd_service_op: null,
            its_session_info: null, service_type: '', esm_class: 0,
        });
    } else if (cmd === 'dlr') {
        const [, id, rest] = words(line, 2);
        const [stat = 'DELIVRD', err = '000'] = rest.trim().split(/\s+/).filter(Boolean);
        const m = submitted.get(id);
        if (!m) throw new Error(`unknown message_id: ${id}`);
        const now = smppDate(new Date());
        const text = `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
            `submit date:${now} done date:${now} stat:${stat} err:${err} text:`;
        // the receipt comes from the phone (the MT's destination)
        const f = addr(m.to);
        const t = addr(m.from);
        sendDeliver({
            source_addr_ton: f.ton, source_addr_npi: f.npi, source_addr: f.addr,
            dest_addr_ton: t.ton, dest_addr_npi: t.npi, destination_addr: t.addr,
            esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'latin1'),
        }, {
            from: m.to, to: m.from, data_coding: 0, text, ussd_service_op: null,
            its_session_info: null, service_type: '', esm_class: 4,
        });
    } else if (cmd === 'set') {
        const [, key, value] = words(line, 2);
        const v = value.trim();
        if (key === 'mo_service_type') {
            if (v.length > 5) throw new Error('service_type is at most 5 characters');
            moServiceType = v === '-' ? '' : v;
        } else if (key === 'coding') {
            if (!['auto', '0', '3', '8'].includes(v)) throw new Error(`bad coding: ${v}`);
            codingMode = v;
        } else if (key === 'submit_status') {
            if (!/^[0-9]+$/.test(v)) throw new Error(`bad submit_status: ${v}`);
            submitStatus = Number(v);
        } else {
            throw new Error(`unknown setting: ${key}`);
        }
    } else {
        throw new Error(`unknown command: ${cmd}`);
    }
    return true;
}

// ---------------------------------------------------------------------------
// Main
const server = smpp.createServer(onSession);
server.on('error', (e) => {
    emit({ event: 'error', message: String(e && e.message || e) });
    process.exit(1);
});
server.listen(opt.port, opt.host, () => {
    emit({ event: 'listening', host: opt.host, port: server.address().port });
});

let lineNo = 0;
const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
    lineNo++;
    try {
        if (command(line)) emit({ event: 'command', n: lineNo, ok: true });
    } catch (e) {
        emit({ event: 'command', n: lineNo, ok: false, error: String(e && e.message || e) });
    }
});
rl.on('close', () => shutdown('stdin'));

let exiting = false;
function shutdown(reason) {
    if (exiting) return;
    exiting = true;
    emit({ event: 'exit', reason });
    for (const s of server.sessions.slice()) s.destroy();
    server.close();
    // stdout may be a pipe: let the last line drain before exiting
    process.stdout.write('', () => process.exit(0));
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => shutdown('SIGHUP'));
