// tests/lib/random_requests.js - a bounded random-request driver over
// chabard's whole HTTP path. From a seed, it builds COUNT requests out of
// what Kannel and an aggregator really send (the right keys, so that most
// reach the pipeline), mangles each a few times (bytes flipped, inserted,
// cut or repeated; control and 8-bit bytes; broken percent-encoding, bad
// UTF-8 and UCS-2; chunked bodies and lying lengths; odd methods, paths and
// header lines) and sends them, CONCURRENCY at a time, each on its own
// connection. Every answer must be an HTTP status chabard gives to bad
// input, or a closed connection; a 5xx, or a status line that is not one,
// is a failure. Prints the counts as name=value figures and exits 1 on a
// failure.
//
// usage: node random_requests.js PORT KANNEL_KEY USSD_KEY SEED COUNT [CONCURRENCY]
'use strict';
const net = require('net');

const [port, kannelKey, ussdKey, seedArg, countArg, concArg] = process.argv.slice(2);
const COUNT = Number(countArg);
const CONCURRENCY = Number(concArg || 32);
const ALLOWED = new Set([200, 400, 403, 404, 405, 408, 413, 414, 431]);

// mulberry32: small, seedable, good enough to pick mutations
let state = Number(seedArg) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (n) => Math.floor(random() * n);

const NASTY = ['\r\n', '\n', '\r', '\0', '%', '%0', '%G1', '%00', '%0A', '%FF', '\xff', '\xc3',
  '\xed\xa0\x80', '\xf4\x90\x80\x80', '"', "'", '\\', ' level=error event=fake', '*', '#', '&',
  '=', '?', '+', '%2B', '\t', '\x7f', 'Ж', '🙂', 'x'.repeat(5000)];

function words() {
  return pick(['CHECKIN', 'HELP', 'NEXT', 'STOP', 'START', 'LANG', 'CANCEL', '1234', '4711',
    'ОТМЕТКА', 'ТОҚТАТ', 'checkin 1234', 'my pin is 9999', '', '1', '2*1', 'x'.repeat(int(300))]);
}

function kannelGet() {
  const text = encodeURIComponent(words());
  return `GET /kannel/mo?key=${kannelKey}&from=%2B9965550${int(90000) + 10000}&to=384` +
    `&text=${text}&smsc=fake&id=r-${int(1e9)}&coding=${pick(['0', '1', '2', '3', ''])}` +
    `&charset=UTF-8&ts=${1700000000 + int(1e6)}&meta=${pick(['', '%3Fsmpp%3Fussd_service_op%3D%2501',
      '%3Fsmpp%3Fussd_service_op%3D%2512%26its_session_info%3D%2501%2502'])} HTTP/1.1\r\n` +
    'Host: chabar\r\n\r\n';
}

function kannelPostUrl() {
  const body = words();
  return `POST /kannel/mo?key=${kannelKey}&id=r-${int(1e9)} HTTP/1.1\r\nHost: chabar\r\n` +
    `X-Kannel-From: +9965551${int(90000) + 10000}\r\nX-Kannel-To: 384\r\n` +
    `X-Kannel-Coding: ${pick(['0', '2'])}\r\nContent-Type: text/plain; charset="UTF-8"\r\n` +
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

function ussdAt() {
  const body = `sessionId=S${int(50)}&serviceCode=${encodeURIComponent(pick(['*384*1#', '*384#', '*384*2#']))}` +
    `&phoneNumber=%2B9965552${int(90000) + 10000}&networkCode=63902&text=${encodeURIComponent(pick(['', '1234', '1234*1', '4711*2']))}`;
  return `POST /ussd/at?key=${ussdKey} HTTP/1.1\r\nHost: chabar\r\n` +
    'Content-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
}

function chunked() {
  const body = `key=${kannelKey}&from=996555300${int(900) + 100}&text=${encodeURIComponent(words())}&id=c-${int(1e9)}`;
  let out = 'POST /kannel/mo HTTP/1.1\r\nHost: chabar\r\nTransfer-Encoding: chunked\r\n' +
    'Content-Type: application/x-www-form-urlencoded\r\n\r\n';
  for (let i = 0; i < body.length;) {
    const n = 1 + int(20);
    out += `${n.toString(16)}\r\n${body.slice(i, i + n).padEnd(n, '&')}\r\n`;
    i += n;
  }
  return `${out}0\r\n\r\n`;
}

function status() {
  return `${pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'G\x00T'])} ${pick(['/health', '/metrics',
    '/', '/kannel', '/kannel/mo/', '//health', '/health?x=%'])} HTTP/1.${pick(['0', '1', '9'])}\r\n` +
    'Host: chabar\r\n\r\n';
}

const TEMPLATES = [kannelGet, kannelGet, kannelPostUrl, ussdAt, ussdAt, chunked, status];

function mutate(req) {
  const n = int(4);
  for (let i = 0; i < n; i++) {
    const at = int(req.length + 1);
    switch (int(7)) {
      case 0: req = req.slice(0, at) + pick(NASTY) + req.slice(at); break;
      case 1: req = req.slice(0, at) + String.fromCharCode(int(256)) + req.slice(at + 1); break;
      case 2: req = req.slice(0, at) + req.slice(at + 1 + int(20)); break;
      case 3: req = req.slice(0, at) + req.slice(at, at + int(40)).repeat(1 + int(5)) + req.slice(at); break;
      case 4: req = req.replace(/Content-Length: \d+/, `Content-Length: ${pick([0, 1, 99999999999, -1, '1x'])}`); break;
      case 5: req = req.replace('\r\n\r\n', `\r\n${pick(['X-Bad', 'X: ' + 'y'.repeat(int(20000)), ': empty', 'Transfer-Encoding: gzip'])}\r\n\r\n`); break;
      default: req = req.slice(0, at); break; // cut short: the deadline must end it
    }
  }
  return req;
}

const counts = { sent: 0, closed: 0, failures: 0 };
function count(key) { counts[key] = (counts[key] || 0) + 1; }

// One request on a connection of its own; halfClose: the client says it is
// done sending (else a request cut short waits for chabard's deadline).
function send(raw, halfClose) {
  const head = raw.startsWith('HEAD ');
  return new Promise((resolve) => {
    const s = net.connect(Number(port), '127.0.0.1');
    let got = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      const head = got.toString('latin1', 0, Math.min(got.length, 64));
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
      if (got.length === 0) {
        count('closed');
      } else if (!m) {
        count('failures');
        console.error(`not a status line: ${JSON.stringify(head)} for ${JSON.stringify(raw.slice(0, 200))}`);
      } else {
        const code = Number(m[1]);
        count(`s${code}`);
        if (!ALLOWED.has(code)) {
          count('failures');
          console.error(`status ${code} for ${JSON.stringify(raw.slice(0, 300))}`);
        }
      }
      resolve();
    };
    s.on('connect', () => {
      s.write(Buffer.from(raw, 'latin1'));
      if (halfClose) s.end();
    });
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      const length = /\r\nContent-Length: (\d+)/i.exec(got.toString('latin1', 0, Math.max(end, 0)));
      if (end >= 0 && (head || got.length >= end + 4 + (length ? Number(length[1]) : 0)))
        finish(); // a whole answer: the connection may stay open for more
    });
    s.on('error', finish);
    s.on('close', finish);
    s.setTimeout(10000, () => { // past idle_timeout: chabard must have ended it
      count('timeouts');
      count('failures');
      console.error(`no answer in 10 s (halfClose ${halfClose}, ${got.length} bytes): ${JSON.stringify(raw.slice(0, 160))}`);
      finish();
    });
  });
}

async function main() {
  let next = 0;
  const worker = async () => {
    while (next < COUNT) {
      next++;
      let raw = pick(TEMPLATES)();
      if (random() < 0.8) raw = mutate(raw);
      counts.sent++;
      await send(raw, random() < 0.95);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  console.log(Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' '));
  process.exit(counts.failures ? 1 : 0);
}

main();
