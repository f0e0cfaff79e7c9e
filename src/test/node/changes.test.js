// Message changes with the OFFICIAL client @vertx/eventbus-bridge-client.js (docs/bridge-protocol.md,
// "Addresses a client may send to"): chat.edit, chat.react and chat.delete answer the message and
// each reaches a live member as one message.updated; a member that was away during edits, a
// delete, reactions and a new message converges to the server's state with one chat.sync that
// names its positions and changes.
//
// Run: bash src/test/node/run.sh (after `mvn package`). Only 127.0.0.1 is contacted.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Thrume } from '../js/thrume-server.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

const server = new Thrume({ auth: { attemptsBurst: 1000, attemptsPerMinute: 1000 } }, 'thrume-changes-e2e');
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

async function open(token) {
  const { ticket } = await call('POST', '/api/realtime/ticket', token);
  const eb = new EventBus(`${server.base}/eventbus?ticket=${encodeURIComponent(ticket)}`);
  await new Promise((resolve, reject) => {
    eb.onopen = resolve;
    setTimeout(() => reject(new Error('the event bus did not open')), 20_000).unref();
  });
  return eb;
}

function request(eb, address, body) {
  return new Promise((resolve, reject) => eb.send(address, body, {}, (err, reply) => (err ? reject(err) : resolve(reply.body))));
}

/** Resolves with the next n bodies of the given type on the address. */
function next(eb, address, type, n) {
  const got = [];
  return new Promise((resolve, reject) => {
    eb.registerHandler(address, (err, msg) => {
      if (err) reject(err);
      else if (msg.body.type === type && got.push(msg.body) === n) resolve(got);
    });
    setTimeout(() => reject(new Error(`${got.length} of ${n} ${type} events`)), 10_000).unref();
  });
}

test('edits, deletes and reactions: live as message.updated, and one sync converges', { timeout: 240_000 }, async () => {
  await server.start();
  const password = 'changes-password-1';
  const a = await call('POST', '/api/auth/register', null, { username: `chg_a_${Date.now()}`, password, displayName: 'A' });
  const b = await call('POST', '/api/auth/register', null, { username: `chg_b_${Date.now()}`, password, displayName: 'B' });
  const conversation = await call('POST', '/api/conversations', a.token, { participantIds: [b.account.id] });
  const id = conversation.id;
  await call('POST', `/api/conversations/${id}/accept`, b.token);
  for (let i = 1; i <= 3; i++) {
    await call('POST', `/api/conversations/${id}/messages`, a.token, { content: `m${i}`, clientMessageId: `chg-${i}` });
  }

  // live: bob's official client holds the conversation and sees each change once
  const ebB = await open(b.token);
  const updates = next(ebB, `conversation.${id}`, 'message.updated', 2);
  const held = await request(ebB, 'chat.sync', { positions: { [id]: 0 }, changes: { [id]: 0 } });
  const ebA = await open(a.token);
  const edited = await request(ebA, 'chat.edit', { conversationId: id, seq: 1, content: 'm1 edited' });
  assert.equal(edited.content, 'm1 edited');
  assert.equal(edited.changeSeq, 1);
  const reacted = await request(ebB, 'chat.react', { conversationId: id, seq: 1, emoji: '👍', on: true });
  assert.deepEqual(reacted.reactions, { '👍': [b.account.id] });
  assert.deepEqual((await updates).map((u) => u.message), [edited, reacted]);
  await assert.rejects(request(ebB, 'chat.delete', { conversationId: id, seq: 1 }), (err) => err.failureCode === 403);
  ebB.close();

  // bob is away: a delete, an edit, reactions given and taken back, a new message, a reply
  await request(ebA, 'chat.delete', { conversationId: id, seq: 2 });
  await request(ebA, 'chat.edit', { conversationId: id, seq: 3, content: 'm3 edited' });
  await request(ebA, 'chat.react', { conversationId: id, seq: 3, emoji: '🎉', on: true });
  await request(ebA, 'chat.react', { conversationId: id, seq: 1, emoji: '👍', on: true });
  await request(ebA, 'chat.react', { conversationId: id, seq: 3, emoji: '🎉', on: false });
  await request(ebA, 'chat.send', { conversationId: id, content: 'to m3', clientMessageId: 'chg-4', replyToSeq: 3 });
  ebA.close();

  // back: one sync from what bob held, applied as a client does (by seq)
  const copy = new Map(held.conversations[id].messages.map((m) => [m.seq, m]));
  const position = held.conversations[id];
  const ebB2 = await open(b.token);
  const synced = (await request(ebB2, 'chat.sync', {
    positions: { [id]: position.lastSeq },
    changes: { [id]: Math.max(position.lastChange, edited.changeSeq, reacted.changeSeq) },
  })).conversations[id];
  assert.equal(synced.hasMore, false);
  assert.equal(synced.changedHasMore, false);
  for (const m of [...synced.messages, ...synced.changed]) copy.set(m.seq, m);
  // what bob received live before leaving counts too
  copy.set(1, copy.get(1).changeSeq > reacted.changeSeq ? copy.get(1) : reacted);
  const server_ = (await call('GET', `/api/conversations/${id}/messages`, b.token)).messages;
  assert.deepEqual([...copy.values()].sort((x, y) => x.seq - y.seq), server_);
  assert.equal(server_[1].content, '');
  assert.deepEqual(server_[3].replyTo, { seq: 3, senderId: a.account.id, excerpt: 'm3 edited' });
  ebB2.close();
});
