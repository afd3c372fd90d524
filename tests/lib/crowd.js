// tests/lib/crowd.js - the internet's manners against chabard: holds IDLE
// connections that never send a byte and SLOW ones that dribble a request a
// byte every SLOW_GAP ms (reopened when chabard cuts them), then, while
// they are held, sends MOS normal MOs to /kannel/mo one after another on a
// keep-alive connection and times each. Prints one line of name=value
// figures: idle_held slow_held slow_cut mo_ok mo_failed p50_ms p99_ms
// max_ms (held: still open when the MOs were done).
//
// usage: node crowd.js PORT KEY IDLE SLOW MOS [SLOW_GAP_MS]
'use strict';
const net = require('net');
const http = require('http');

const [port, key, idleCount, slowCount, moCount, slowGap] = process.argv.slice(2);
const PORT = Number(port);
const IDLE = Number(idleCount);
const SLOW = Number(slowCount);
const MOS = Number(moCount);
const GAP = Number(slowGap || 2000);

let idleOpen = 0;
let slowOpen = 0;
let slowCut = 0;
const sockets = [];

let stopping = false;

function openIdle() {
  return new Promise((resolve) => {
    const s = net.connect(PORT, '127.0.0.1');
    s.on('connect', () => { idleOpen++; s.open = true; resolve(); });
    s.on('error', () => resolve());
    s.on('close', () => {
      if (s.open) idleOpen--;
      s.open = false;
      resolve();
    });
    sockets.push(s);
  });
}

function openSlow() {
  const s = net.connect(PORT, '127.0.0.1');
  let timer = null;
  s.on('connect', () => {
    slowOpen++;
    s.open = true;
    s.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    timer = setInterval(() => s.write('a'), GAP);
  });
  s.on('error', () => {});
  s.on('close', () => {
    clearInterval(timer);
    if (s.open && !stopping) {
      slowOpen--;
      slowCut++;
      setTimeout(openSlow, 100); // it comes back, as an attacker would
    }
    s.open = false;
  });
  sockets.push(s);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function mo(i) {
  const id = `crowd-${process.pid}-${i}`;
  const path = `/kannel/mo?key=${encodeURIComponent(key)}&from=%2B99655500${String(i % 1000).padStart(4, '0')}` +
    `&to=384&text=HELP&id=${id}&coding=0`;
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port: PORT, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ok: false, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

async function main() {
  // Open the idle ones a batch at a time, as fast as the kernel accepts.
  for (let i = 0; i < IDLE; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(IDLE, i + 100); j++) batch.push(openIdle());
    await Promise.all(batch);
  }
  for (let i = 0; i < SLOW; i++) openSlow();
  await new Promise((r) => setTimeout(r, 1000));
  const times = [];
  let failed = 0;
  for (let i = 0; i < MOS; i++) {
    const r = await mo(i);
    if (r.ok) times.push(r.ms); else failed++;
    await new Promise((res) => setTimeout(res, 20));
  }
  times.sort((a, b) => a - b);
  const q = (p) => (times.length ? times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] : -1);
  const idleHeld = idleOpen;
  const slowHeld = slowOpen;
  stopping = true;
  console.log(`idle_held=${idleHeld} slow_held=${slowHeld} slow_cut=${slowCut} mo_ok=${times.length} ` +
    `mo_failed=${failed} p50_ms=${q(0.5).toFixed(2)} p99_ms=${q(0.99).toFixed(2)} max_ms=${q(1).toFixed(2)}`);
  for (const s of sockets) s.destroy();
  agent.destroy();
}

main();
