// End-to-end test of Thrume's real-time bridge, driven by the OFFICIAL client
// @vertx/eventbus-bridge-client.js (over sockjs-client) against a real Thrume process.
//
// Flow (docs/rest-api.md and docs/bridge-protocol.md): register → login → conversation →
// ticket → connect → register → send → receive → forced disconnect while the other user keeps
// sending → reconnect with a new ticket → chat.sync, proving that no message is lost or
// duplicated. Then who is here and presence (docs/bridge-protocol.md): registering only subscribes,
// chat.view announces user.joined / user.left (coalesced into one viewers event when several change
// at once) and tells a newcomer who is there; presence.watch answers the watched users' state and
// only their changes arrive, while the socket lives; refusals of both. Consent: an invited user
// is announced to nobody until accepting; leaving answers conversation.removed on user.<me> and a
// new register of the conversation is refused. Nothing is mocked: the test starts target/thrume.jar itself (fresh data
// directory, free port, relaxed rate limits) and stops it by its PID afterwards.
//
// Run: bash src/test/node/run.sh (after `mvn package`), or `node --test` in this directory
// after `npm ci`. Only 127.0.0.1 is ever contacted. The server's temporary directory (data,
// config, log) is removed afterwards unless THRUME_E2E_KEEP is set; on a failure the server log
// is printed and a copy kept in the system's temporary directory.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Thrume } from '../js/thrume-server.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');

// Documented configuration: lifts the per-user send limit and the register/login throttle,
// which would otherwise stop a test that sends hundreds of messages in seconds; a short offline
// grace (default 10 s), so that the presence tests see a user go offline soon.
const TEST_CONFIG = {
  chat: { sendBurst: 100000, sendPerSecond: 100000.0 },
  auth: { attemptsBurst: 100000, attemptsPerMinute: 100000 },
  presence: { offlineGraceMs: 2000 },
};

const READY_TIMEOUT_MS = 120_000;
/** How long "nothing arrives" is watched for (the server coalesces who-is-here changes over 250 ms). */
const QUIET_MS = 1_200;
const STOP_GRACE_MS = 20_000;
const REPLY_TIMEOUT_MS = 15_000;
const OPEN_TIMEOUT_MS = 20_000;
const LIVE_TIMEOUT_MS = 15_000;

/** A time bound for Promise.race: an unref'd timer, so that it never keeps the process alive. */
function deadline(ms, value) {
  return sleep(ms, value, { ref: false });
}

// ---------------------------------------------------------------------------------------------
// The Thrume process (shared with the browser tests: src/test/js/thrume-server.mjs)
// ---------------------------------------------------------------------------------------------

const server = new Thrume(TEST_CONFIG, 'thrume-bridge-e2e');

function logTail(n = 80) {
  return server.logTail(n);
}

let stopping = null;
function stopServer() {
  stopping ??= server.stop();
  return stopping;
}

// If the test process itself is stopped (node --test sends SIGTERM when --test-timeout runs
// out, and waits for it to exit), stop Thrume the same way, so that its embedded PostgreSQL
// stops too; never leave a Thrume behind.
process.once('exit', () => server.signal('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`[bridge.test] ${sig}: stopping Thrume (pid ${server.pid}); last lines of its log:\n${logTail(40)}`);
    stopServer().finally(() => {
      server.cleanup();
      process.exit(1);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

function api(method, urlPath, options) {
  return server.api(method, urlPath, options);
}

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected HTTP ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
  return res.json;
}

async function registerUser(username, password, displayName) {
  const res = await api('POST', '/api/auth/register', { body: { username, password, displayName } });
  const session = expectStatus(res, 201, `POST /api/auth/register (${username})`);
  assert.equal(session.account.username, username);
  assert.equal(session.account.displayName, displayName);
  assert.equal(typeof session.account.id, 'string');
  assert.equal(typeof session.token, 'string');
  return session;
}

async function login(username, password) {
  const res = await api('POST', '/api/auth/login', { body: { username, password } });
  const session = expectStatus(res, 200, `POST /api/auth/login (${username})`);
  assert.equal(session.account.username, username);
  assert.equal(typeof session.token, 'string');
  return session;
}

async function createConversation(token, participantIds) {
  const res = await api('POST', '/api/conversations', { token, body: { participantIds } });
  const conversation = expectStatus(res, 201, 'POST /api/conversations');
  assert.equal(typeof conversation.id, 'string');
  return conversation;
}

/** POST /api/conversations/{id}/accept: someone put into a conversation by another is invited until then. */
async function acceptConversation(token, conversationId) {
  const res = await api('POST', `/api/conversations/${conversationId}/accept`, { token });
  const conversation = expectStatus(res, 200, 'POST /api/conversations/{id}/accept');
  assert.equal(conversation.myStatus, 'accepted');
  return conversation;
}

async function getTicket(token) {
  const res = await api('POST', '/api/realtime/ticket', { token });
  const body = expectStatus(res, 200, 'POST /api/realtime/ticket');
  assert.equal(typeof body.ticket, 'string', `ticket answer: ${res.text}`);
  assert.ok(body.ticket.length > 0, 'empty ticket');
  assert.equal(typeof body.expiresInSeconds, 'number', `ticket answer: ${res.text}`);
  assert.ok(body.expiresInSeconds > 0 && body.expiresInSeconds <= 30, `expiresInSeconds ${body.expiresInSeconds}`);
  return body.ticket;
}

async function restMessages(token, conversationId) {
  const res = await api('GET', `/api/conversations/${conversationId}/messages?afterSeq=0&limit=200`, { token });
  return expectStatus(res, 200, 'GET /api/conversations/{id}/messages');
}

async function restSend(token, conversationId, content) {
  const clientMessageId = randomUUID();
  const res = await api('POST', `/api/conversations/${conversationId}/messages`, {
    token,
    body: { content, clientMessageId },
  });
  const message = expectStatus(res, 201, 'POST /api/conversations/{id}/messages');
  assert.equal(message.content, content);
  return message;
}

async function restLastSeq(token, conversationId) {
  const res = await api('GET', `/api/conversations/${conversationId}`, { token });
  return expectStatus(res, 200, 'GET /api/conversations/{id}').lastSeq;
}

// ---------------------------------------------------------------------------------------------
// The official client, wrapped in promises with time bounds
// ---------------------------------------------------------------------------------------------

const allSessions = new Set();

class BridgeError extends Error {
  constructor(address, err) {
    super(`${address} failed: ${err.failureCode} ${err.failureType} ${err.message}`);
    this.failureCode = err.failureCode;
    this.failureType = err.failureType;
    this.serverMessage = err.message;
  }
}

function eventBusUrl(ticket) {
  return ticket === undefined
    ? `${server.base}/eventbus`
    : `${server.base}/eventbus?ticket=${encodeURIComponent(ticket)}`;
}

/** One EventBus (one SockJS socket) and what happened to it. */
class Session {
  constructor(name, ticket, options = {}) {
    this.name = name;
    this.opened = false;
    this.closed = false;
    this.openedAt = null;
    this.closedAt = null;
    this.closeEvent = null;
    this.errors = []; // err frames no handler took (eb.onerror)
    this.pending = new Map();
    this.eb = new EventBus(eventBusUrl(ticket), options);
    allSessions.add(this);
    this.settled = new Promise((resolve) => {
      this.eb.onopen = () => {
        this.opened = true;
        this.openedAt = Date.now();
        resolve('open');
        this.onOpen?.();
      };
      this.eb.onclose = (e) => {
        this.closed = true;
        this.closedAt = Date.now();
        this.closeEvent = e ? { code: e.code, reason: e.reason } : null;
        allSessions.delete(this);
        for (const reject of this.pending.values()) reject(new Error(`${this.name}: socket closed before the reply`));
        this.pending.clear();
        resolve('closed');
        this.closeResolve?.();
      };
    });
    this.closedPromise = new Promise((resolve) => {
      this.closeResolve = resolve;
    });
    this.eb.onerror = (err) => this.errors.push(err);
  }

  /** Opens a session with a ticket; fails if it closes first or does not open in time. */
  static async open(name, ticket, options = {}) {
    const s = new Session(name, ticket, options);
    const outcome = await Promise.race([s.settled, deadline(OPEN_TIMEOUT_MS, 'timeout')]);
    if (outcome !== 'open') {
      const why = outcome === 'timeout' ? `did not open within ${OPEN_TIMEOUT_MS / 1000} s` : `closed before it opened (${JSON.stringify(s.closeEvent)})`;
      await s.close();
      throw new Error(`${name}: the event bus ${why}`);
    }
    return s;
  }

  /** registerHandler; events and err frames for the address are collected in the handle. */
  subscribe(address, onMessage) {
    const handle = { address, events: [], errors: [] };
    this.eb.registerHandler(address, (err, msg) => {
      if (err) {
        handle.errors.push(err);
        return;
      }
      handle.events.push(msg.body);
      if (onMessage && msg.body && msg.body.type === 'message') onMessage(msg.body.message);
    });
    return handle;
  }

  /** eb.send with a reply: resolves with the reply body, rejects with a BridgeError. */
  request(address, body, timeoutMs = REPLY_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`${this.name}: socket is closed`));
        return;
      }
      const key = Symbol(address);
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`${this.name}: no reply from ${address} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(key, (err) => {
        clearTimeout(timer);
        reject(err);
      });
      try {
        this.eb.send(address, body, (err, reply) => {
          clearTimeout(timer);
          this.pending.delete(key);
          if (err) reject(new BridgeError(address, err));
          else resolve(reply.body);
        });
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(key);
        reject(err);
      }
    });
  }

  /** eb.close() — from the server's point of view an abrupt disconnect. */
  async close() {
    if (this.closed) return;
    try {
      this.eb.close();
    } catch {
      // not open yet
    }
    await Promise.race([this.closedPromise, deadline(5_000)]);
  }
}

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await sleep(20);
  }
  if (predicate()) return;
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === 'function' ? what() : what}`);
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function checkMessage(m, expected = {}) {
  assert.ok(m && typeof m === 'object', `not a message: ${JSON.stringify(m)}`);
  for (const field of ['id', 'conversationId', 'senderId', 'senderDisplayName', 'content', 'sentAt', 'clientMessageId']) {
    assert.equal(typeof m[field], 'string', `message.${field} in ${JSON.stringify(m)}`);
  }
  assert.ok(Number.isInteger(m.seq) && m.seq >= 1, `message.seq in ${JSON.stringify(m)}`);
  assert.match(m.sentAt, ISO_MILLIS);
  for (const [k, v] of Object.entries(expected)) assert.equal(m[k], v, `message.${k} in ${JSON.stringify(m)}`);
}

/** What one user's client knows of one conversation: messages by id, from any source. */
class ConversationView {
  constructor(conversationId) {
    this.conversationId = conversationId;
    this.byId = new Map();
    this.bySeq = new Map();
    this.anomalies = []; // recorded here (handlers must not throw into the client)
  }

  add(m) {
    const known = this.byId.get(m.id);
    if (known) {
      if (known.seq !== m.seq || known.content !== m.content) {
        this.anomalies.push(`message ${m.id} seen with seq ${known.seq} and ${m.seq}`);
      }
      return false;
    }
    const other = this.bySeq.get(m.seq);
    if (other) {
      this.anomalies.push(`seq ${m.seq} carried by two messages ${other.id} and ${m.id}`);
      return false;
    }
    if (m.conversationId !== this.conversationId) {
      this.anomalies.push(`message ${m.id} of conversation ${m.conversationId} arrived for ${this.conversationId}`);
      return false;
    }
    this.byId.set(m.id, m);
    this.bySeq.set(m.seq, m);
    return true;
  }

  /** The highest seq s such that every message 1..s is known. */
  contiguousSeq() {
    let s = 0;
    while (this.bySeq.has(s + 1)) s++;
    return s;
  }

  sorted() {
    return [...this.byId.values()].sort((a, b) => a.seq - b.seq);
  }
}

/** Live `message` events one socket received for one conversation, in arrival order. */
class LiveLog {
  constructor() {
    this.messages = [];
  }

  push(m) {
    this.messages.push(m);
  }

  has(id) {
    return this.messages.some((m) => m.id === id);
  }

  find(id) {
    return this.messages.find((m) => m.id === id);
  }

  /** No message twice on one socket, and seq strictly increasing in arrival order. */
  assertClean(what) {
    const ids = this.messages.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, `${what}: a live message arrived twice on one socket`);
    for (let i = 1; i < this.messages.length; i++) {
      assert.ok(this.messages[i].seq > this.messages[i - 1].seq,
        `${what}: live seq ${this.messages[i].seq} arrived after ${this.messages[i - 1].seq}`);
    }
  }
}

/**
 * chat.sync until no conversation has more: positions {conversationId: lastSeq}. Checks that each
 * page continues exactly after the position (seq is gap-free) and returns per conversation every
 * message received, the pages it took and the lastSeq reported.
 */
async function syncAll(session, positions, maxRounds = 50) {
  const result = {};
  for (const id of Object.keys(positions)) result[id] = { messages: [], pages: 0, lastSeq: null };
  let pending = { ...positions };
  for (let round = 0; round < maxRounds && Object.keys(pending).length > 0; round++) {
    const body = await session.request('chat.sync', { positions: pending });
    assert.ok(body && body.conversations && typeof body.conversations === 'object',
      `chat.sync reply: ${JSON.stringify(body).slice(0, 500)}`);
    const next = {};
    for (const [id, from] of Object.entries(pending)) {
      const c = body.conversations[id];
      assert.ok(c, `chat.sync reply lacks conversation ${id}: ${JSON.stringify(body).slice(0, 500)}`);
      assert.ok(Array.isArray(c.messages), `chat.sync messages: ${JSON.stringify(c).slice(0, 300)}`);
      assert.equal(typeof c.hasMore, 'boolean', `chat.sync hasMore: ${JSON.stringify(c).slice(0, 300)}`);
      assert.ok(Number.isInteger(c.lastSeq), `chat.sync lastSeq: ${JSON.stringify(c).slice(0, 300)}`);
      let prev = from;
      for (const m of c.messages) {
        checkMessage(m, { conversationId: id });
        assert.equal(m.seq, prev + 1, `chat.sync from ${from} in ${id}: seq ${m.seq} after ${prev}`);
        prev = m.seq;
      }
      const r = result[id];
      r.messages.push(...c.messages);
      r.pages += 1;
      r.lastSeq = c.lastSeq;
      if (c.hasMore) {
        assert.ok(c.messages.length > 0, `chat.sync said hasMore for ${id} with an empty page`);
        next[id] = prev;
      } else {
        assert.ok(prev <= c.lastSeq, `chat.sync for ${id} ended at seq ${prev} beyond lastSeq ${c.lastSeq}`);
      }
    }
    pending = next;
  }
  assert.deepEqual(pending, {}, `chat.sync still had more after ${maxRounds} rounds`);
  return result;
}

// Who is here (chat.view) and presence (presence.watch): docs/bridge-protocol.md, "Who is here" and
// "Presence".

const WHO_IS_HERE = new Set(['user.joined', 'user.left', 'viewers']);

/** The who-is-here events a handle received: user.joined, user.left, viewers. */
function whoIsHere(handle) {
  return handle.events.filter((e) => e && WHO_IS_HERE.has(e.type));
}

/** The users an event says started viewing (user.joined, or viewers with several). */
function joinedBy(e) {
  if (e?.type === 'user.joined') return [e.userId];
  return e?.type === 'viewers' ? e.joined : [];
}

function leftBy(e) {
  if (e?.type === 'user.left') return [e.userId];
  return e?.type === 'viewers' ? e.left : [];
}

/** Waits until the handle's who-is-here events (from `from` on) name every one of `userIds` as joined (or left). */
async function awaitViewers(handle, userIds, { left = false, from = 0, what }) {
  const named = () => new Set(whoIsHere(handle).slice(from).flatMap(left ? leftBy : joinedBy));
  await waitFor(() => userIds.every((id) => named().has(id)), LIVE_TIMEOUT_MS,
    () => `${what} (got ${JSON.stringify(whoIsHere(handle).slice(from)).slice(0, 600)})`);
}

function view(session, conversationId, viewing) {
  return session.request('chat.view', { conversationId, viewing });
}

/** The presence events a handle on user.<me> received. */
function presenceEvents(handle) {
  return handle.events.filter((e) => e && e.type === 'presence');
}

/** Registers a conversation and waits for a reply on the same socket, so that the registration is in effect. */
async function registerConversation(session, conversationId) {
  const handle = session.subscribe(`conversation.${conversationId}`);
  await session.request('chat.sync', { positions: { [conversationId]: 0 } });
  assert.deepEqual(handle.errors, [], `${session.name}: register conversation.${conversationId}`);
  return handle;
}

function sendOverBridge(session, conversationId, content) {
  const clientMessageId = randomUUID();
  return session.request('chat.send', { conversationId, content, clientMessageId }).then((m) => {
    checkMessage(m, { conversationId, content, clientMessageId });
    return m;
  });
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

let failed = false;
/** test() that remembers a failure, so that the server log is printed at the end. */
function step(name, options, fn) {
  test(name, options, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
}

const st = {
  alice: null, // {account, token} (the token from login)
  bob: null,
  conversationA: null, // alice + bob: live, probes, forced disconnect
  aliceBus: null,
  bobBus: null, // bob's current main socket
  bobViewA: null,
  aliceLiveA: null,
  conversationB: null, // alice + bob: the 200-message recovery, then the XHR transports
};

function need(...keys) {
  for (const k of keys) assert.ok(st[k], `an earlier step did not complete (${k} missing)`);
}

/** Bob's main socket: register conversation A, feeding his view and this socket's live log. */
function bobSubscribeA(session) {
  const live = new LiveLog();
  const handle = session.subscribe(`conversation.${st.conversationA.id}`, (m) => {
    live.push(m);
    st.bobViewA.add(m);
  });
  return { live, handle };
}

describe('Thrume real-time bridge with @vertx/eventbus-bridge-client.js', () => {
  before(async () => {
    try {
      await server.start();
    } catch (err) {
      failed = true;
      throw err;
    }
  }, { timeout: READY_TIMEOUT_MS + 30_000 });

  after(async () => {
    for (const s of [...allSessions]) await s.close();
    await stopServer();
    if (failed || (server.exitInfo && server.exitInfo.code !== 0 && server.exitInfo.code !== 143)) {
      const kept = path.join(os.tmpdir(), `thrume-bridge-e2e-${Date.now()}.log`);
      try {
        fs.copyFileSync(server.logFile, kept);
      } catch {
        // no log
      }
      console.error(`[bridge.test] Thrume exit: ${JSON.stringify(server.exitInfo)}; full log kept in ${kept}; last lines:\n${logTail()}`);
    }
    server.cleanup();
  }, { timeout: STOP_GRACE_MS + 40_000 });

  step('registers alice and bob, logs alice in and opens a conversation over REST', { timeout: 60_000 }, async () => {
    const aliceReg = await registerUser('alice', 'correct horse battery', 'Alice Liddell');
    const bob = await registerUser('bob', 'battery staple horse', 'Bob Builder');
    const alice = await login('alice', 'correct horse battery');
    assert.equal(alice.account.id, aliceReg.account.id);

    const conversation = await createConversation(alice.token, [bob.account.id]);
    const ids = conversation.participants.map((p) => p.id).sort();
    assert.deepEqual(ids, [alice.account.id, bob.account.id].sort());
    assert.equal(conversation.lastSeq, 0);

    st.alice = alice;
    st.bob = bob;
    st.conversationA = conversation;
    st.bobViewA = new ConversationView(conversation.id);
  });

  step('POST /api/realtime/ticket answers a short-lived ticket, and 401 without a token', { timeout: 30_000 }, async () => {
    need('alice');
    const unauthorized = await api('POST', '/api/realtime/ticket');
    assert.equal(unauthorized.status, 401, `ticket without a token: ${unauthorized.status} ${unauthorized.text}`);
    const t1 = await getTicket(st.alice.token);
    const t2 = await getTicket(st.alice.token);
    assert.notEqual(t1, t2, 'two tickets are the same');
  });

  step('connect, register, send and receive live: seq 1 and 2', { timeout: 90_000 }, async () => {
    need('alice', 'bob', 'conversationA');
    const A = st.conversationA.id;
    const alice = await Session.open('alice', await getTicket(st.alice.token));
    st.aliceBus = alice;
    const bob = await Session.open('bob', await getTicket(st.bob.token));
    st.bobBus = bob;

    const aliceLive = new LiveLog();
    st.aliceLiveA = aliceLive;
    const aliceHandle = alice.subscribe(`conversation.${A}`, (m) => aliceLive.push(m));
    const { live: bobLive, handle: bobHandle } = bobSubscribeA(bob);
    st.bobLiveA = bobLive;

    // A reply on the same socket after the register frame: the registration is in effect.
    for (const s of [alice, bob]) {
      const r = await syncAll(s, { [A]: 0 });
      assert.deepEqual(r[A].messages, [], `${s.name}: new conversation synced messages`);
      assert.equal(r[A].lastSeq, 0);
    }

    const m1 = await sendOverBridge(alice, A, 'Hello Bob 👋 — first message');
    checkMessage(m1, { seq: 1, senderId: st.alice.account.id, senderDisplayName: 'Alice Liddell' });
    await waitFor(() => bobLive.has(m1.id), LIVE_TIMEOUT_MS, 'bob to receive seq 1 live');
    assert.deepEqual(bobLive.find(m1.id), m1, 'the live event carries the persisted message');
    await waitFor(() => aliceLive.has(m1.id), LIVE_TIMEOUT_MS, "alice's own socket to receive seq 1 too");

    const m2 = await sendOverBridge(bob, A, 'Hi Alice!\nSecond line\twith a tab');
    checkMessage(m2, { seq: 2, senderId: st.bob.account.id, senderDisplayName: 'Bob Builder' });
    await waitFor(() => aliceLive.has(m2.id), LIVE_TIMEOUT_MS, 'alice to receive seq 2 live');
    assert.deepEqual(aliceLive.find(m2.id), m2);
    await waitFor(() => bobLive.has(m2.id), LIVE_TIMEOUT_MS, "bob's own socket to receive seq 2 too");

    assert.deepEqual(aliceHandle.errors, [], 'alice register errors');
    assert.deepEqual(bobHandle.errors, [], 'bob register errors');
    aliceLive.assertClean('alice');
    bobLive.assertClean('bob');
    assert.deepEqual(st.bobViewA.anomalies, []);
    assert.deepEqual(st.bobViewA.sorted().map((m) => m.seq), [1, 2]);
  });

  step('a register of a conversation or user the socket may not see answers FORBIDDEN', { timeout: 45_000 }, async () => {
    need('alice', 'bob', 'bobBus');
    const aliceOnly = await createConversation(st.alice.token, []);
    assert.deepEqual(aliceOnly.participants.map((p) => p.id), [st.alice.account.id]);

    const intruder = await Session.open('bob (intruder)', await getTicket(st.bob.token));
    try {
      const conv = intruder.subscribe(`conversation.${aliceOnly.id}`);
      const user = intruder.subscribe(`user.${st.alice.account.id}`);
      for (const h of [conv, user]) {
        await waitFor(() => h.errors.length > 0, LIVE_TIMEOUT_MS, `an err for the register of ${h.address}`);
        const [err] = h.errors;
        assert.equal(err.failureCode, 403, `register ${h.address}: ${JSON.stringify(err)}`);
        assert.equal(err.failureType, 'RECIPIENT_FAILURE', `register ${h.address}: ${JSON.stringify(err)}`);
        assert.match(err.message, /^FORBIDDEN/, `register ${h.address}: ${JSON.stringify(err)}`);
      }
      // A message in alice's private conversation must not reach bob's socket.
      const secret = await restSend(st.alice.token, aliceOnly.id, 'not for bob');
      await sleep(1_500);
      const leaked = [...conv.events, ...user.events].filter((e) => e && e.type === 'message');
      assert.deepEqual(leaked, [], `bob received ${secret.id} of a conversation he is not in`);
    } finally {
      await intruder.close();
    }
  });

  step('a reused, a forged and a missing ticket open no session', { timeout: 90_000 }, async (t) => {
    need('alice', 'bob', 'bobBus', 'conversationA');
    const A = st.conversationA.id;
    const ticket = await getTicket(st.bob.token);
    const first = await Session.open('bob (first use)', ticket);
    try {
      const firstLive = new LiveLog();
      first.subscribe(`conversation.${A}`, (m) => firstLive.push(m));
      await syncAll(first, { [A]: await restLastSeq(st.bob.token, A) });

      const attempts = [
        { name: 'reused ticket', ticket },
        { name: 'forged ticket', ticket: 'not-a-ticket-' + randomUUID() },
        { name: 'no ticket', ticket: undefined },
      ].map(({ name, ticket: t }) => {
        const s = new Session(name, t);
        s.received = [];
        s.onOpen = () => {
          // If it opens at all, try to listen: it must hear nothing and be closed right after.
          try {
            s.eb.registerHandler(`conversation.${A}`, (err, msg) => {
              if (!err) s.received.push(msg.body);
            });
          } catch {
            // closed already
          }
        };
        return s;
      });

      // Give each attempt time to open (it should not) or be closed.
      await Promise.all(attempts.map((s) => Promise.race([s.settled, deadline(OPEN_TIMEOUT_MS)])));
      // A probe that bob's legitimate sockets must receive and the attempts must not.
      const probe = await restSend(st.alice.token, A, 'probe while tickets are refused');
      await waitFor(() => firstLive.has(probe.id), LIVE_TIMEOUT_MS, 'the first use of the ticket to receive the probe');
      await waitFor(() => st.bobViewA.byId.has(probe.id), LIVE_TIMEOUT_MS, "bob's main socket to receive the probe");
      await sleep(500);

      for (const s of attempts) {
        await Promise.race([s.closedPromise, deadline(OPEN_TIMEOUT_MS)]);
        assert.ok(s.closed, `${s.name}: the socket is still open`);
        if (s.opened) {
          assert.ok(s.closedAt - s.openedAt < 5_000, `${s.name}: opened and stayed open ${s.closedAt - s.openedAt} ms`);
        }
        assert.deepEqual(s.received, [], `${s.name}: received conversation events`);
        t.diagnostic(`${s.name}: ${s.opened ? `opened, closed ${s.closedAt - s.openedAt} ms later` : 'never opened'}, `
          + `close ${JSON.stringify(s.closeEvent)}`);
      }
    } finally {
      await first.close();
    }
  });

  step('forced disconnect while alice keeps sending: reconnect with a new ticket, chat.sync, nothing lost or duplicated', { timeout: 120_000 }, async (t) => {
    need('alice', 'bob', 'aliceBus', 'bobBus', 'conversationA', 'bobViewA');
    const A = st.conversationA.id;
    const view = st.bobViewA;
    // Bob is caught up before it starts.
    const startSeq = await restLastSeq(st.alice.token, A);
    await waitFor(() => view.contiguousSeq() === startSeq, LIVE_TIMEOUT_MS,
      () => `bob to hold 1..${startSeq} (has ${view.contiguousSeq()})`);

    const MIN_SENDS = 30;
    const CLOSE_AFTER = 8; // bob's socket dies after alice's 8th message
    const RECONNECT_AFTER = 16; // and bob comes back after the 16th
    const AFTER_RESYNC = 5; // alice sends at least 5 more after bob's chat.sync
    const MAX_SENDS = 100;

    const sent = [];
    let bobResynced = false;
    let sentAfterResync = 0;
    let aliceDone = false;
    let bobFailed = false;

    const aliceLoop = (async () => {
      try {
        for (let i = 0; !bobFailed && i < MAX_SENDS; i++) {
          if (sent.length >= MIN_SENDS && bobResynced && sentAfterResync >= AFTER_RESYNC) break;
          const m = await sendOverBridge(st.aliceBus, A, `burst ${i}: ${randomUUID()}`);
          sent.push(m);
          if (bobResynced) sentAfterResync++;
          await sleep(40);
        }
      } finally {
        aliceDone = true;
      }
    })();

    let live2;
    let sync2;
    const bobFlow = (async () => {
      try {
        await waitFor(() => sent.length >= CLOSE_AFTER || aliceDone, 60_000, 'alice to send before the disconnect');
        const lastSeen = view.contiguousSeq();
        await st.bobBus.close();
        const closedAfter = sent.length;
        await waitFor(() => sent.length >= RECONNECT_AFTER || aliceDone, 60_000, 'alice to send while bob is away');
        assert.ok(!aliceDone, 'alice stopped sending before bob came back');

        // Tickets are single use: a new ticket and a new EventBus (no auto-reconnect).
        const bob2 = await Session.open('bob (reconnected)', await getTicket(st.bob.token));
        st.bobBus = bob2;
        const sub = bobSubscribeA(bob2);
        live2 = sub.live;
        st.bobLiveA = live2;
        sync2 = await syncAll(bob2, { [A]: lastSeen });
        for (const m of sync2[A].messages) view.add(m);
        bobResynced = true;
        t.diagnostic(`bob saw up to seq ${lastSeen}, closed after alice's send #${closedAfter}, `
          + `synced ${sync2[A].messages.length} message(s) in ${sync2[A].pages} page(s) while alice was at send #${sent.length}`);
        assert.deepEqual(sub.handle.errors, [], 'register after reconnect');
      } catch (err) {
        bobFailed = true;
        throw err;
      }
    })();

    const outcomes = await Promise.allSettled([aliceLoop, bobFlow]);
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
    assert.ok(sentAfterResync >= AFTER_RESYNC, `alice sent only ${sentAfterResync} message(s) after bob's chat.sync`);

    const lastSent = sent[sent.length - 1].seq;
    await waitFor(() => view.contiguousSeq() >= lastSent, LIVE_TIMEOUT_MS,
      () => `bob to hold 1..${lastSent} (has 1..${view.contiguousSeq()}, missing ${missing(view, lastSent)})`);

    assert.deepEqual(view.anomalies, [], 'bob view anomalies');
    live2.assertClean('bob after reconnect');
    const syncIds = sync2[A].messages.map((m) => m.id);
    assert.equal(new Set(syncIds).size, syncIds.length, 'chat.sync returned a message twice');

    // Alice's sends: gap-free and increasing (she waited for each reply).
    for (let i = 1; i < sent.length; i++) assert.equal(sent[i].seq, sent[i - 1].seq + 1, 'alice seq');
    assert.equal(sent[0].seq, startSeq + 1);

    const rest = await restMessages(st.alice.token, A);
    assert.equal(rest.hasMore, false);
    const finalSeq = rest.messages[rest.messages.length - 1].seq;
    assert.equal(finalSeq, lastSent, 'REST knows no message bob lacks');

    const bobList = view.sorted();
    assert.deepEqual(bobList.map((m) => m.seq), Array.from({ length: finalSeq }, (_, i) => i + 1), 'bob holds seq 1..N once each');
    assert.deepEqual(bobList, rest.messages, "bob's messages are exactly the stored ones");
    for (const m of sent) assert.deepEqual(view.byId.get(m.id), m, `alice's message seq ${m.seq} as bob has it`);
    t.diagnostic(`alice sent ${sent.length} messages (seq ${sent[0].seq}..${lastSent}); bob got `
      + `${live2.messages.length} live on the new socket, ${sync2[A].messages.length} by chat.sync`);
  });

  step('recovery: 200 messages sent while bob is offline come back by chat.sync, in order, once each', { timeout: 150_000 }, async (t) => {
    need('alice', 'bob', 'aliceBus', 'bobBus', 'conversationA', 'bobViewA');
    const A = st.conversationA.id;
    const conversationB = await createConversation(st.alice.token, [st.bob.account.id]);
    const B = conversationB.id;
    st.conversationB = conversationB;
    const viewB = new ConversationView(B);

    // Bob listens to B, then goes away.
    const before = st.bobBus;
    const handleB = before.subscribe(`conversation.${B}`, (m) => viewB.add(m));
    await syncAll(before, { [B]: 0 });
    assert.deepEqual(handleB.errors, []);
    const positionA = st.bobViewA.contiguousSeq();
    assert.equal(positionA, await restLastSeq(st.bob.token, A), 'bob is caught up on A');
    await before.close();

    const COUNT = 200;
    const CONCURRENCY = 4;
    const sent = [];
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const i = next++;
        sent.push(await sendOverBridge(st.aliceBus, B, `offline ${i}: ${randomUUID()}`));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.equal(sent.length, COUNT);
    const sentSeqs = sent.map((m) => m.seq).sort((a, b) => a - b);
    assert.deepEqual(sentSeqs, Array.from({ length: COUNT }, (_, i) => i + 1), "alice's replies carry seq 1..200");
    assert.deepEqual(viewB.sorted(), [], 'bob received nothing while he was away');

    const bob3 = await Session.open('bob (recovered)', await getTicket(st.bob.token));
    st.bobBus = bob3;
    bobSubscribeA(bob3);
    const liveB = new LiveLog();
    const handle3 = bob3.subscribe(`conversation.${B}`, (m) => {
      liveB.push(m);
      viewB.add(m);
    });
    const synced = await syncAll(bob3, { [A]: positionA, [B]: 0 });
    assert.deepEqual(synced[A].messages, [], 'nothing new in A');
    assert.equal(synced[A].lastSeq, positionA);
    assert.equal(synced[B].lastSeq, COUNT);
    t.diagnostic(`chat.sync brought ${synced[B].messages.length} messages of B in ${synced[B].pages} page(s)`);

    const got = synced[B].messages;
    assert.equal(got.length, COUNT, 'exactly 200 messages synced');
    assert.equal(new Set(got.map((m) => m.id)).size, COUNT, 'no message synced twice');
    assert.deepEqual(got.map((m) => m.seq), sentSeqs, 'seq 1..200 in order');
    const bySeq = new Map(sent.map((m) => [m.seq, m]));
    for (const m of got) assert.deepEqual(m, bySeq.get(m.seq), `synced seq ${m.seq} is what alice sent`);
    for (const m of got) viewB.add(m);
    assert.deepEqual(viewB.anomalies, []);

    const rest = await restMessages(st.bob.token, B);
    assert.equal(rest.hasMore, false);
    assert.deepEqual(rest.messages, got, 'REST and chat.sync agree');

    // And the recovered socket is live again.
    const after = await sendOverBridge(st.aliceBus, B, 'welcome back');
    assert.equal(after.seq, COUNT + 1);
    await waitFor(() => liveB.has(after.id), LIVE_TIMEOUT_MS, 'bob to receive seq 201 live after recovery');
    assert.deepEqual(handle3.errors, []);
    liveB.assertClean('bob after recovery');
    assert.deepEqual(viewB.sorted().map((m) => m.seq), Array.from({ length: COUNT + 1 }, (_, i) => i + 1));
  });

  for (const transport of ['xhr-streaming', 'xhr-polling']) {
    step(`the official client also works over SockJS ${transport}`, { timeout: 45_000 }, async () => {
      need('alice', 'bob', 'aliceBus', 'conversationB');
      const B = st.conversationB.id;
      const s = await Session.open(`bob (${transport})`, await getTicket(st.bob.token), { transports: [transport] });
      try {
        assert.equal(s.eb.sockJSConn.transport, transport, 'the transport sockjs-client chose');
        const live = new LiveLog();
        const handle = s.subscribe(`conversation.${B}`, (m) => live.push(m));
        const lastSeq = await restLastSeq(st.bob.token, B);
        const synced = await syncAll(s, { [B]: lastSeq });
        assert.deepEqual(synced[B].messages, []);
        const m = await sendOverBridge(st.aliceBus, B, `over ${transport}`);
        await waitFor(() => live.has(m.id), LIVE_TIMEOUT_MS, `the message over ${transport}`);
        assert.deepEqual(live.find(m.id), m);
        const reply = await sendOverBridge(s, B, `answer over ${transport}`);
        assert.equal(reply.seq, m.seq + 1);
        assert.deepEqual(handle.errors, []);
      } finally {
        await s.close();
      }
    });
  }

  step('registering a conversation only subscribes: no user.joined; chat.view says who is here, both ways', { timeout: 60_000 }, async () => {
    const vera = await registerUser('vera', 'vera password 1', 'Vera Viewer');
    const walt = await registerUser('walt', 'walt password 1', 'Walt Watcher');
    const conversation = await createConversation(vera.token, [walt.account.id]);
    const C = conversation.id;
    await acceptConversation(walt.token, C); // an invited user's view is announced to nobody
    const v = await Session.open('vera', await getTicket(vera.token));
    const w = await Session.open('walt', await getTicket(walt.token));
    try {
      const vh = await registerConversation(v, C);
      const wh = await registerConversation(w, C);
      await sleep(QUIET_MS);
      assert.deepEqual([...whoIsHere(vh), ...whoIsHere(wh)], [], 'a register announced someone: registering is not viewing');

      // vera opens it: walt (registered) hears it; nobody else was there, so vera is told nobody
      assert.deepEqual(await view(v, C, true), {}, 'chat.view answers {}');
      await awaitViewers(wh, [vera.account.id], { what: 'walt to hear that vera has it open' });
      assert.deepEqual(whoIsHere(wh), [{ type: 'user.joined', userId: vera.account.id }]);

      // walt opens it: vera hears it, and walt is told that vera is here already
      const vFrom = whoIsHere(vh).length;
      await view(w, C, true);
      await awaitViewers(vh, [walt.account.id], { from: vFrom, what: 'vera to hear that walt has it open' });
      await awaitViewers(wh, [vera.account.id], { from: 1, what: 'walt (a newcomer) to be told that vera is here' });

      // walt closes it, opens it again, then his socket goes away: vera hears user.left each time
      let from = whoIsHere(vh).length;
      assert.deepEqual(await view(w, C, false), {});
      await awaitViewers(vh, [walt.account.id], { left: true, from, what: 'vera to hear walt leave' });
      assert.deepEqual(whoIsHere(vh).at(-1), { type: 'user.left', userId: walt.account.id });
      await sleep(400); // past the coalescing window: a view now is a change of its own
      from = whoIsHere(vh).length;
      await view(w, C, true);
      await awaitViewers(vh, [walt.account.id], { from, what: 'vera to hear walt come back' });
      from = whoIsHere(vh).length;
      await w.close();
      await awaitViewers(vh, [walt.account.id], { left: true, from, what: "vera to hear walt leave when his socket closes" });
      assert.deepEqual(vh.errors, []);
    } finally {
      await v.close();
      await w.close();
    }
  });

  step('several users opening a conversation at once come as one coalesced viewers event; a newcomer is told them all', { timeout: 90_000 }, async (t) => {
    const host = await registerUser('host', 'host password 1', 'Hannah Host');
    const crowd = [];
    for (let i = 0; i < 5; i++) crowd.push(await registerUser(`guest${i}`, `guest password ${i}`, `Guest ${i}`));
    const late = await registerUser('latecomer', 'late password 1', 'Lee Late');
    const conversation = await createConversation(host.token, [...crowd, late].map((u) => u.account.id));
    const C = conversation.id;
    for (const u of [...crowd, late]) await acceptConversation(u.token, C);
    const crowdIds = crowd.map((u) => u.account.id);
    const h = await Session.open('host', await getTicket(host.token));
    const sockets = [];
    try {
      const hh = await registerConversation(h, C);
      for (const u of crowd) sockets.push(await Session.open(u.account.username, await getTicket(u.token)));
      await Promise.all(sockets.map((s) => view(s, C, true)));
      await awaitViewers(hh, crowdIds, { what: 'the host to hear that the five have it open' });
      const frames = whoIsHere(hh);
      assert.ok(frames.length <= 3, `five views at once came in ${frames.length} frames: ${JSON.stringify(frames)}`);
      const coalesced = frames.find((e) => e.type === 'viewers');
      assert.ok(coalesced, `no viewers event among ${JSON.stringify(frames)}`);
      assert.ok(coalesced.joined.length > 1 && Array.isArray(coalesced.left), JSON.stringify(coalesced));
      assert.deepEqual(frames.flatMap(leftBy), [], 'nobody left');

      // a newcomer that registered the conversation is told who is there: one viewers event for several
      const l = await Session.open('latecomer', await getTicket(late.token));
      sockets.push(l);
      const lh = await registerConversation(l, C);
      await view(l, C, true);
      await awaitViewers(lh, crowdIds, { what: 'the latecomer to be told who is here' });
      const told = whoIsHere(lh).find((e) => e.type === 'viewers' && crowdIds.every((id) => e.joined.includes(id)));
      assert.ok(told, `the five are named in one viewers event: ${JSON.stringify(whoIsHere(lh))}`);
      assert.deepEqual(told.left, []);
      assert.ok(!told.joined.includes(late.account.id), 'the latecomer is not told about herself');

      // an unview and a view back to back change nothing: within one coalescing window nothing is
      // announced; should they fall into two windows, the host still ends up with the same set
      await awaitViewers(hh, [late.account.id], { what: 'the host to hear the latecomer' });
      const quietFrom = whoIsHere(hh).length;
      await Promise.all([view(sockets[0], C, false), view(sockets[0], C, true)]);
      await sleep(QUIET_MS);
      const blip = whoIsHere(hh).slice(quietFrom);
      const here = new Set(crowdIds);
      for (const e of blip) {
        for (const id of leftBy(e)) here.delete(id);
        for (const id of joinedBy(e)) here.add(id);
      }
      assert.deepEqual([...here].sort(), [...crowdIds].sort(), `after an unview and a view: ${JSON.stringify(blip)}`);
      t.diagnostic(`an unview and a view back to back announced ${blip.length} frame(s)`);

      // and the five leaving at once (their sockets close) come together too
      const from = whoIsHere(hh).length;
      await Promise.all(sockets.slice(0, 5).map((s) => s.close()));
      await awaitViewers(hh, crowdIds, { left: true, from, what: 'the host to hear the five leave' });
      assert.ok(whoIsHere(hh).slice(from).some((e) => e.type === 'viewers' && e.left.length > 1),
        `leaving at once is coalesced too: ${JSON.stringify(whoIsHere(hh).slice(from))}`);
    } finally {
      await h.close();
      for (const s of sockets) await s.close();
    }
  });

  step("presence.watch answers the watched users' state; only their changes arrive on user.<me>, and only while the socket lives", { timeout: 90_000 }, async () => {
    const pia = await registerUser('pia', 'pia password 1', 'Pia Presence');
    const quinn = await registerUser('quinn', 'quinn password 1', 'Quinn Quick');
    const rex = await registerUser('rex', 'rex password 1', 'Rex Rapid');
    const sam = await registerUser('sam', 'sam password 1', 'Sam Stranger'); // shares no conversation with pia
    const piaConversation = await createConversation(pia.token, [quinn.account.id, rex.account.id]);
    await createConversation(quinn.token, [sam.account.id]);
    // people pia put into a conversation are invited: she sees their presence once they accept
    await acceptConversation(quinn.token, piaConversation.id);
    await acceptConversation(rex.token, piaConversation.id);
    const me = `user.${pia.account.id}`;
    let p = await Session.open('pia', await getTicket(pia.token));
    const others = [];
    try {
      let inbox = p.subscribe(me);
      const answer = await p.request('presence.watch', { userIds: [quinn.account.id, sam.account.id] });
      assert.deepEqual(Object.keys(answer), [quinn.account.id], `only users sharing a conversation are watched: ${JSON.stringify(answer)}`);
      assert.equal(answer[quinn.account.id].online, false);
      assert.equal(answer[quinn.account.id].status, 'offline');

      // quinn comes online: pia hears it; rex and sam come online: not watched, not heard
      const q = await Session.open('quinn', await getTicket(quinn.token));
      others.push(q);
      const quinnOnline = await (async () => {
        await waitFor(() => presenceEvents(inbox).length > 0, LIVE_TIMEOUT_MS, 'pia to hear quinn come online');
        return presenceEvents(inbox)[0];
      })();
      assert.equal(quinnOnline.userId, quinn.account.id);
      assert.equal(quinnOnline.online, true);
      assert.equal(quinnOnline.status, 'online');
      assert.ok('lastSeen' in quinnOnline, JSON.stringify(quinnOnline));
      const r = await Session.open('rex', await getTicket(rex.token));
      const s = await Session.open('sam', await getTicket(sam.token));
      others.push(r, s);
      await r.request('presence.update', { status: 'away' });
      await sleep(QUIET_MS);
      assert.deepEqual(presenceEvents(inbox).map((e) => e.userId), [quinn.account.id], 'only the watched user is heard');

      // the watch is replaced, not added to: now rex, answered with his current state
      const now = await p.request('presence.watch', { userIds: [rex.account.id] });
      assert.deepEqual(Object.keys(now), [rex.account.id]);
      assert.equal(now[rex.account.id].online, true);
      assert.equal(now[rex.account.id].status, 'away');
      let from = presenceEvents(inbox).length;
      await q.request('presence.update', { status: 'away' });
      await r.request('presence.update', { status: 'online' });
      await waitFor(() => presenceEvents(inbox).length > from, LIVE_TIMEOUT_MS, 'pia to hear rex');
      await sleep(QUIET_MS);
      assert.deepEqual(presenceEvents(inbox).slice(from).map((e) => [e.userId, e.status]), [[rex.account.id, 'online']]);

      // rex goes away for good: offline after the grace (2 s here), with his last-seen time
      from = presenceEvents(inbox).length;
      await r.close();
      await waitFor(() => presenceEvents(inbox).slice(from).some((e) => !e.online), LIVE_TIMEOUT_MS, 'pia to hear rex go offline');
      const offline = presenceEvents(inbox).slice(from).find((e) => !e.online);
      assert.equal(offline.userId, rex.account.id);
      assert.equal(offline.status, 'offline');
      assert.match(offline.lastSeen, ISO_MILLIS);

      // watches end with the socket: a new socket hears nothing until it watches again
      await p.close();
      p = await Session.open('pia (new socket)', await getTicket(pia.token));
      inbox = p.subscribe(me); // a user address is granted at once: no reply to wait for
      const r2 = await Session.open('rex (back)', await getTicket(rex.token));
      others.push(r2);
      await sleep(QUIET_MS);
      assert.deepEqual(presenceEvents(inbox), [], 'a new socket watches nobody');
      const again = await p.request('presence.watch', { userIds: [rex.account.id, quinn.account.id] });
      assert.deepEqual(Object.keys(again).sort(), [rex.account.id, quinn.account.id].sort());
      assert.equal(again[rex.account.id].online, true);
      await r2.request('presence.update', { status: 'away' });
      await waitFor(() => presenceEvents(inbox).length > 0, LIVE_TIMEOUT_MS, 'the new socket to hear rex once it watches him');
      assert.deepEqual(presenceEvents(inbox).map((e) => [e.userId, e.status]), [[rex.account.id, 'away']]);
      assert.deepEqual(inbox.errors, []);
    } finally {
      await p.close();
      for (const o of others) await o.close();
    }
  });

  step('consent: an invited user is announced to nobody; leaving answers conversation.removed and refuses a new register', { timeout: 60_000 }, async () => {
    const una = await registerUser('una', 'una password 1', 'Una Uninvited');
    const vic = await registerUser('vic', 'vic password 1', 'Vic Visitor');
    const conversation = await createConversation(una.token, [vic.account.id]);
    const C = conversation.id;
    assert.equal(conversation.myStatus, 'accepted');
    assert.equal(conversation.createdBy, una.account.id);
    const u = await Session.open('una', await getTicket(una.token));
    const v = await Session.open('vic', await getTicket(vic.token));
    let v2 = null;
    try {
      const uh = await registerConversation(u, C);
      const vh = await registerConversation(v, C); // invited: registering and syncing work
      const vInbox = v.subscribe(`user.${vic.account.id}`);
      // vic is invited: his view and typing reach nobody, and his presence is not answered to una
      assert.deepEqual(await view(v, C, true), {});
      assert.deepEqual(await v.request('chat.typing', { conversationId: C, typing: true }), {});
      assert.deepEqual(await u.request('presence.watch', { userIds: [vic.account.id] }), {});
      await sleep(QUIET_MS);
      assert.deepEqual(uh.events.filter((e) => e.userId === vic.account.id), [], 'nothing about vic reached una');

      // he accepts: una is told, and his view now counts
      await acceptConversation(vic.token, C);
      await waitFor(() => uh.events.some((e) => e.type === 'participant.accepted' && e.userId === vic.account.id),
        LIVE_TIMEOUT_MS, 'una to hear that vic accepted');
      await view(v, C, true);
      await awaitViewers(uh, [vic.account.id], { what: 'una to hear that vic has it open' });

      // he leaves: conversation.removed on user.<vic>, participants for una, and nothing more for him
      const res = await api('DELETE', `/api/conversations/${C}/participants/me`, { token: vic.token });
      assert.equal(res.status, 204, res.text);
      await waitFor(() => vInbox.events.some((e) => e.type === 'conversation.removed'), LIVE_TIMEOUT_MS,
        'vic to be told the conversation is gone');
      assert.deepEqual(vInbox.events.find((e) => e.type === 'conversation.removed'), { type: 'conversation.removed', conversationId: C });
      await waitFor(() => uh.events.some((e) => e.type === 'participants'), LIVE_TIMEOUT_MS, 'una to hear the participants change');
      assert.deepEqual(uh.events.find((e) => e.type === 'participants'), { type: 'participants', added: [], removed: [vic.account.id], by: vic.account.id });
      const before = vh.events.length;
      const m = await sendOverBridge(u, C, 'are you still there?');
      await waitFor(() => uh.events.some((e) => e.type === 'message' && e.message.id === m.id), LIVE_TIMEOUT_MS, 'una to get her message');
      await sleep(QUIET_MS);
      assert.deepEqual(vh.events.slice(before).filter((e) => e.type === 'message'), [], 'vic received a message after leaving');

      // a new register of the conversation is refused (the err frame carries the address, so the
      // official client hands it to the handler); a new socket, since this client registers an
      // address only once
      v2 = await Session.open('vic (new socket)', await getTicket(vic.token));
      const again = v2.subscribe(`conversation.${C}`);
      await waitFor(() => again.errors.length > 0, LIVE_TIMEOUT_MS, 'the register to be refused');
      assert.equal(again.errors[0].failureCode, 403);
      assert.match(again.errors[0].message, /^FORBIDDEN: /);
      for (const s of [v, v2]) {
        const refused = await s.request('chat.view', { conversationId: C, viewing: true }).then(
          (reply) => assert.fail(`chat.view answered ${JSON.stringify(reply)}`),
          (e) => e,
        );
        assert.equal(refused.failureCode, 403);
      }
    } finally {
      await u.close();
      await v.close();
      await v2?.close();
    }
  });

  step('chat.view: FORBIDDEN (403) for a non-participant, INVALID (400) for bad input; presence.watch checks its input too', { timeout: 60_000 }, async () => {
    const olga = await registerUser('olga', 'olga password 1', 'Olga Owner');
    const mallory = await registerUser('mallory', 'mallory password', 'Mallory Meddler');
    const conversation = await createConversation(olga.token, []);
    const C = conversation.id;
    const o = await Session.open('olga', await getTicket(olga.token));
    const m = await Session.open('mallory', await getTicket(mallory.token));
    try {
      const oh = await registerConversation(o, C);
      const refusal = async (session, address, body, code, what) => {
        const err = await session.request(address, body).then(
          (reply) => assert.fail(`${what}: answered ${JSON.stringify(reply)}`),
          (e) => e,
        );
        assert.ok(err instanceof BridgeError, `${what}: ${err}`);
        assert.equal(err.failureCode, code, `${what}: ${err.message}`);
        assert.equal(err.failureType, 'RECIPIENT_FAILURE', `${what}: ${err.message}`);
        assert.match(err.serverMessage, code === 403 ? /^FORBIDDEN: / : /^INVALID: /, `${what}: ${err.message}`);
      };
      await refusal(m, 'chat.view', { conversationId: C, viewing: true }, 403, 'a non-participant views');
      await refusal(o, 'chat.view', { conversationId: 'nope', viewing: true }, 400, 'a conversationId that is no id');
      await refusal(o, 'chat.view', { conversationId: C, viewing: 'yes' }, 400, 'viewing that is no boolean');
      await refusal(o, 'chat.view', { viewing: true }, 400, 'no conversationId');
      await refusal(o, 'presence.watch', { userIds: 'x' }, 400, 'userIds that is no array');
      await refusal(o, 'presence.watch', { userIds: ['nope'] }, 400, 'a user id that is no id');
      await refusal(o, 'presence.watch', { userIds: Array.from({ length: 501 }, () => randomUUID()) }, 400, '501 ids');
      assert.deepEqual(await o.request('presence.watch', { userIds: [] }), {}, 'an empty watch');
      await sleep(QUIET_MS);
      assert.deepEqual(whoIsHere(oh), [], 'the refused view announced someone');
      // the sockets still work
      assert.deepEqual(await view(o, C, true), {});
    } finally {
      await o.close();
      await m.close();
    }
  });

  step('logout closes the socket its session opened within 1 s, UNAUTHORIZED; another session\'s socket goes on (docs/security.md, Sessions)', { timeout: 60_000 }, async () => {
    const name = `quinn_${randomUUID().slice(0, 8)}`;
    await registerUser(name, 'correct horse battery', 'Quinn');
    const first = await login(name, 'correct horse battery');
    const second = await login(name, 'correct horse battery');
    assert.equal(typeof first.refreshToken, 'string');
    const a = await Session.open('quinn-1', await getTicket(first.token));
    const b = await Session.open('quinn-2', await getTicket(second.token));
    try {
      const started = Date.now();
      const out = await api('POST', '/api/auth/logout', { token: first.token });
      assert.equal(out.status, 204, out.text);
      const outcome = await Promise.race([a.closedPromise.then(() => 'closed'), deadline(1_500, 'open')]);
      assert.equal(outcome, 'closed', 'the logged-out session\'s socket is closed');
      assert.ok(a.closedAt - started < 1_500, `closed after ${a.closedAt - started} ms`);
      assert.ok(a.errors.some((e) => /^UNAUTHORIZED/.test(e.body?.message ?? e.message ?? '')),
        `told why: ${JSON.stringify(a.errors)}`);
      assert.equal(b.closed, false, 'the other session\'s socket is open');
      assert.deepEqual(await b.request('presence.watch', { userIds: [] }), {}, 'and answers');
      assert.equal((await api('POST', '/api/realtime/ticket', { token: first.token })).status, 401);
      assert.equal((await api('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } })).status, 401);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

function missing(view, upTo) {
  const gaps = [];
  for (let s = 1; s <= upTo && gaps.length < 20; s++) if (!view.bySeq.has(s)) gaps.push(s);
  return gaps.join(',') || 'none';
}
