// tests/lib/fakebb.js - a bearerbox that misbehaves on cue, for the box's
// fault tests (tests/integration/box_edges.sh). Debian's bearerbox cannot
// be made to answer failed_tmp to one reply, or to drop a connection
// with an MT unacknowledged, at a moment a test chooses; this can. It
// speaks the box protocol as shared/KANNEL-BOX.md describes it.
//
//   node fakebb.js PORT
//
// Events, one JSON line each on stdout: listening, connected, identify
// {id}, mt {n, id, sms_type, to, from, coding, text, dlr_url, dlr_mask,
// meta}, ack {id, nack}, closed.
// Commands, one a line on stdin (each answered {"event":"done","cmd":...}):
//   mo FROM TO TEXT     an MO (coding 0) with a fresh UUID
//   ack N NACK          acknowledge the N-th MT received (0 success,
//                       1 failed, 2 failed_tmp, 3 buffered)
//   report N MASK       a delivery report on the N-th MT (its dlr_url)
//   close               drop the connection
'use strict';
const net = require('net');
const crypto = require('crypto');
const readline = require('readline');

const port = +process.argv[2];
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let sock = null;
let input = Buffer.alloc(0);
const mts = [];

function int32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
}
function str(s) {
    if (s === null || s === undefined) return int32(-1);
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
    return Buffer.concat([int32(b.length), b]);
}
function frame(body) {
    return Buffer.concat([int32(body.length), body]);
}
// An sms: the 31 fields in their order; f holds the ones set.
function sms(f) {
    const I = (k) => int32(f[k] === undefined ? -1 : f[k]);
    const S = (k) => str(f[k]);
    return frame(Buffer.concat([int32(2), S('sender'), S('receiver'), S('udhdata'), S('msgdata'),
        I('time'), S('smsc_id'), S('smsc_number'), S('foreign_id'), S('service'), S('account'),
        str(f.id), I('sms_type'), I('mclass'), I('mwi'), I('coding'), I('compress'),
        I('validity'), I('deferred'), I('dlr_mask'), S('dlr_url'), I('pid'), I('alt_dcs'),
        I('rpi'), S('charset'), S('boxc_id'), S('binfo'), I('msg_left'), I('priority'),
        I('resend_try'), I('resend_time'), S('meta_data')]));
}
function ack(id, nack) {
    return frame(Buffer.concat([int32(3), int32(nack), int32(Math.floor(Date.now() / 1000)),
        str(id)]));
}

// Reading: a cursor over one message's body.
function reader(b) {
    let at = 0;
    const I = () => { const v = b.readInt32BE(at); at += 4; return v; };
    const S = () => {
        const n = I();
        if (n < 0) return null;
        const s = b.subarray(at, at + n); at += n; return s;
    };
    return {I, S};
}
function take(body) {
    const r = reader(body);
    const type = r.I();
    if (type === 1) {
        const cmd = r.I();
        const id = r.S();
        if (cmd === 3) say({event: 'identify', id: id === null ? null : id.toString()});
    } else if (type === 3) {
        const nack = r.I(); r.I();
        say({event: 'ack', id: r.S().toString(), nack});
    } else if (type === 2) {
        const f = {};
        f.sender = r.S(); f.receiver = r.S(); r.S(); f.msgdata = r.S(); r.I();
        f.smsc_id = r.S(); r.S(); r.S(); r.S(); r.S();
        f.id = r.S().toString(); f.sms_type = r.I(); r.I(); r.I(); f.coding = r.I();
        r.I(); r.I(); r.I(); f.dlr_mask = r.I(); f.dlr_url = r.S();
        r.I(); r.I(); r.I(); r.S(); r.S(); r.S(); r.I(); r.I(); r.I(); r.I(); f.meta = r.S();
        const text = f.msgdata === null ? null
            : f.coding === 2 ? f.msgdata.swap16().toString('utf16le') : f.msgdata.toString();
        mts.push(f);
        say({event: 'mt', n: mts.length, id: f.id, sms_type: f.sms_type,
            to: f.receiver && f.receiver.toString(), from: f.sender && f.sender.toString(),
            coding: f.coding, text, dlr_mask: f.dlr_mask,
            dlr_url: f.dlr_url && f.dlr_url.toString(), meta: f.meta && f.meta.toString()});
    }
}

net.createServer((s) => {
    if (sock) sock.destroy();
    sock = s;
    input = Buffer.alloc(0);
    say({event: 'connected'});
    s.on('data', (d) => {
        input = Buffer.concat([input, d]);
        while (input.length >= 4 && input.length >= 4 + input.readInt32BE(0)) {
            const n = input.readInt32BE(0);
            take(input.subarray(4, 4 + n));
            input = input.subarray(4 + n);
        }
    });
    s.on('close', () => { if (sock === s) { sock = null; say({event: 'closed'}); } });
    s.on('error', () => {});
}).listen(port, '127.0.0.1', () => say({event: 'listening'}));

readline.createInterface({input: process.stdin}).on('line', (line) => {
    const w = line.trim().split(/\s+/);
    if (!w[0]) return;
    if (w[0] === 'mo' && sock) {
        sock.write(sms({sender: w[1], receiver: w[2], msgdata: w.slice(3).join(' '),
            id: crypto.randomUUID(), sms_type: 0, coding: 0, smsc_id: 'fake',
            time: Math.floor(Date.now() / 1000)}));
    } else if (w[0] === 'ack' && sock) {
        sock.write(ack(mts[+w[1] - 1].id, +w[2]));
    } else if (w[0] === 'report' && sock) {
        const mt = mts[+w[1] - 1];
        sock.write(sms({sender: mt.receiver, receiver: mt.sender, msgdata: 'ACK/',
            id: crypto.randomUUID(), sms_type: 3, dlr_mask: +w[2], dlr_url: mt.dlr_url,
            foreign_id: 'f' + w[1], smsc_id: 'fake', time: Math.floor(Date.now() / 1000)}));
    } else if (w[0] === 'close' && sock) {
        sock.destroy();
    }
    say({event: 'done', cmd: w[0]});
});
