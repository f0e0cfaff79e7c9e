// Drain, with the OFFICIAL client @vertx/eventbus-bridge-client.js (docs/operations.md,
// "Stopping a node"): on SIGTERM the server tells each socket "UNAVAILABLE: server restarting,
// reconnect in N ms" (an err frame without address: eb.onerror) and closes it; the client waits
// N ms, takes a new ticket from the server that is back, reconnects and syncs: the message sent
// while it was away arrives once.
//
// Run: bash src/test/node/run.sh (after `mvn package`). Only 127.0.0.1 is contacted.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { Thrume } from '../js/thrume-server.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const server = new Thrume({ auth: { attemptsBurst: 1000, attemptsPerMinute: 1000 } }, 'thrume-drain-e2e');
process.once('exit', () => server.signal('SIGKILL'));
after(async () => {
  await server.stop();
  server.cleanup();
});

async function call(method, path, token, body) {
  const res = await server.api(method, path, { token, body });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
  return res.json;
}

/** Opens the official client with a new ticket; resolves once open. */
async function open(token) {
  const { ticket } = await call('POST', '/api/realtime/ticket', token);
  const eb = new EventBus(`${server.base}/eventbus?ticket=${encodeURIComponent(ticket)}`);
  eb.errors = [];
  eb.onerror = (err) => eb.errors.push(err);
  eb.closed = new Promise((resolve) => {
    eb.onclose = (event) => resolve(event);
  });
  await new Promise((resolve, reject) => {
    eb.onopen = resolve;
    setTimeout(() => reject(new Error('the event bus did not open')), 20_000).unref();
  });
  return eb;
}

function request(eb, address, body) {
  return new Promise((resolve, reject) => eb.send(address, body, {}, (err, reply) => (err ? reject(err) : resolve(reply.body))));
}

test('SIGTERM: the client is told when to come back, waits, reconnects and syncs', { timeout: 240_000 }, async () => {
  await server.start();
  const password = 'drain-password-1';
  const a = await call('POST', '/api/auth/register', null, { username: `drain_a_${Date.now()}`, password, displayName: 'A' });
  const b = await call('POST', '/api/auth/register', null, { username: `drain_b_${Date.now()}`, password, displayName: 'B' });
  const conversation = await call('POST', '/api/conversations', a.token, { participantIds: [b.account.id] });
  const first = await open(b.token);
  const before = await request(first, 'chat.sync', { positions: { [conversation.id]: 0 } });
  assert.deepEqual(before.conversations[conversation.id].messages, []);

  const stopped = server.stop();
  const closeEvent = await first.closed;
  const told = first.errors.map((e) => e.message).find((m) => /reconnect in \d+ ms/.test(m));
  assert.ok(told, `no "reconnect in N ms" err frame; got ${JSON.stringify(first.errors)} and close ${JSON.stringify(closeEvent)}`);
  assert.match(told, /^UNAVAILABLE: server restarting, reconnect in \d+ ms$/);
  assert.equal(first.errors[0].failureCode, 503);
  const waitMs = Number(/reconnect in (\d+) ms/.exec(told)[1]);
  assert.ok(waitMs >= 0 && waitMs <= 5000, `delay within http.drainMs (5000): ${waitMs}`);
  const toldAt = Date.now();
  await stopped;

  // the server comes back (same port and data); the message is sent while the client waits
  await server.start();
  const fresh = await call('POST', '/api/auth/login', null, { username: a.account.username, password });
  await call('POST', `/api/conversations/${conversation.id}/messages`, fresh.token,
    { content: 'while you were away', clientMessageId: 'drain-1' });
  await sleep(Math.max(0, toldAt + waitMs - Date.now()));
  const bAgain = await call('POST', '/api/auth/login', null, { username: b.account.username, password });
  const second = await open(bAgain.token);
  const after = await request(second, 'chat.sync', { positions: { [conversation.id]: 0 } });
  assert.deepEqual(after.conversations[conversation.id].messages.map((m) => m.content), ['while you were away']);
  second.close();
});
