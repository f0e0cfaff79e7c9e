// The Socket.IO peer of Thrume's benchmark (src/test/java/io/thrume/bench). It does the work
// Thrume does for the measured paths, on Thrume's own schema and PostgreSQL:
//  - a socket authenticates with the same HS256 token (handshake auth.token);
//  - "join" checks membership in SQL, then joins the room conversation.<id>;
//  - "send" persists, and only after the commit emits {type:"message", message} to the room,
//    then acks the sender. PEER_PERSIST=batch (the default; the bench's "socketio") persists like
//    Thrume's MessageBatcher: group commit, one statement per batch locking each conversation once
//    in id order (batcher.mjs). PEER_PERSIST=naive (the bench's "socketio-naive") persists like
//    Thrume's old per-message path: a look-up of the clientMessageId, then one transaction per
//    message (lock the conversation and take the next seq, move the sender's markers, insert
//    idempotently): 5 round trips a message;
//  - "sync" returns up to 100 messages after a seq.
// Websocket transport only. GET /bench/memory forces a GC (node --expose-gc) and answers the
// heap in use and the RSS, so the harness measures both servers the same way.
import http from 'node:http';
import pg from 'pg';
import jwt from 'jsonwebtoken';
import { Server } from 'socket.io';
import { createBatcher } from './batcher.mjs';

const port = Number(process.env.PORT || 3000);
const secret = process.env.THRUME_JWT_SECRET;
const poolSize = Number(process.env.DB_POOL || 8);
const pool = new pg.Pool({ connectionString: process.env.THRUME_DB_URL, max: poolSize });
const mode = process.env.PEER_PERSIST || 'batch';
if (mode !== 'batch' && mode !== 'naive') throw new Error('PEER_PERSIST must be batch or naive, not ' + mode);
// as Thrume's StoreVerticle: half the pool in flight, at most 256 messages per statement, batches
// started at most once per window (Thrume's db.batchWindowMs, 2 ms) unless full
const windowMs = Number(process.env.PEER_BATCH_WINDOW_MS ?? 2);
const batcher = createBatcher({ query: (text, values) => pool.query(text, values), slots: Math.max(1, poolSize / 2 | 0), maxBatch: 256,
  windowMs });

const COLUMNS = 'm.id, m.conversation_id, m.seq, m.sender_id, a.display_name, m.content, m.sent_at, m.client_message_id';
const NEXT_SEQ =
  'WITH c AS (UPDATE conversation SET last_seq = last_seq + 1, last_activity_at = now() ' +
  'WHERE id = $1 AND EXISTS (SELECT 1 FROM participant WHERE conversation_id = $1 AND account_id = $2) ' +
  'RETURNING last_seq) ' +
  'UPDATE participant p SET read_seq = c.last_seq, delivered_seq = GREATEST(p.delivered_seq, c.last_seq) ' +
  'FROM c WHERE p.conversation_id = $1 AND p.account_id = $2 RETURNING c.last_seq';
const INSERT =
  'WITH m AS (INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) ' +
  'VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sender_id, client_message_id) DO NOTHING RETURNING *) ' +
  `SELECT ${COLUMNS} FROM m JOIN account a ON a.id = m.sender_id`;
const BY_CLIENT_ID = `SELECT ${COLUMNS} FROM message m JOIN account a ON a.id = m.sender_id ` +
  'WHERE m.sender_id = $1 AND m.client_message_id = $2';
const IS_MEMBER = 'SELECT 1 FROM participant WHERE conversation_id = $1 AND account_id = $2';
const AFTER = `SELECT ${COLUMNS} FROM message m JOIN account a ON a.id = m.sender_id ` +
  'WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT 100';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const toJson = (r) => ({
  id: r.id, conversationId: r.conversation_id, seq: Number(r.seq), senderId: r.sender_id,
  senderDisplayName: r.display_name, content: r.content, sentAt: r.sent_at.toISOString(),
  clientMessageId: r.client_message_id,
});

async function persistBatched(sender, { conversationId, content, clientMessageId }) {
  const answer = await batcher.insert({ sender, conversationId, content, clientMessageId });
  if (answer.error) return answer;
  return { message: toJson(answer.message), created: answer.created };
}

const persist = mode === 'batch' ? persistBatched : persistNaive;

async function persistNaive(sender, { conversationId, content, clientMessageId }) {
  const found = await pool.query(BY_CLIENT_ID, [sender, clientMessageId]);
  if (found.rows.length) return { message: toJson(found.rows[0]), created: false };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const next = await client.query(NEXT_SEQ, [conversationId, sender]);
    if (!next.rows.length) {
      await client.query('ROLLBACK');
      return { error: 'FORBIDDEN' };
    }
    const inserted = await client.query(INSERT, [conversationId, next.rows[0].last_seq, sender, content, clientMessageId]);
    if (!inserted.rows.length) {
      await client.query('ROLLBACK');
      const again = await pool.query(BY_CLIENT_ID, [sender, clientMessageId]);
      return { message: toJson(again.rows[0]), created: false };
    }
    await client.query('COMMIT');
    return { message: toJson(inserted.rows[0]), created: true };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  if (req.url === '/bench/memory') {
    global.gc();
    global.gc();
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers }));
    return;
  }
  if (req.url === '/health/ready') {
    res.writeHead(200);
    res.end('ok');
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(server, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 65536 });

io.use((socket, next) => {
  try {
    const claims = jwt.verify(socket.handshake.auth?.token ?? '', secret, { algorithms: ['HS256'] });
    socket.data.user = claims.sub;
    next();
  } catch {
    next(new Error('UNAUTHORIZED'));
  }
});

io.on('connection', (socket) => {
  const user = socket.data.user;
  const reply = (ack) => (typeof ack === 'function' ? ack : () => {});
  const fail = (ack, code) => reply(ack)({ error: code });

  socket.on('join', async (conversationId, ack) => {
    if (typeof conversationId !== 'string' || !UUID.test(conversationId)) return fail(ack, 'INVALID');
    try {
      const member = await pool.query(IS_MEMBER, [conversationId, user]);
      if (!member.rows.length) return fail(ack, 'FORBIDDEN');
      socket.join('conversation.' + conversationId);
      reply(ack)({ ok: true });
    } catch {
      fail(ack, 'UNAVAILABLE');
    }
  });

  socket.on('send', async (body, ack) => {
    if (!body || typeof body !== 'object' || !UUID.test(body.conversationId ?? '')
      || typeof body.content !== 'string' || typeof body.clientMessageId !== 'string') return fail(ack, 'INVALID');
    try {
      const result = await persist(user, body);
      if (result.error) return fail(ack, result.error);
      if (result.created) {
        io.to('conversation.' + body.conversationId).emit('message', { type: 'message', message: result.message });
      }
      reply(ack)(result.message);
    } catch {
      fail(ack, 'UNAVAILABLE');
    }
  });

  socket.on('sync', async (body, ack) => {
    if (!body || !UUID.test(body.conversationId ?? '') || !Number.isInteger(body.afterSeq)) return fail(ack, 'INVALID');
    try {
      const member = await pool.query(IS_MEMBER, [body.conversationId, user]);
      if (!member.rows.length) return fail(ack, 'FORBIDDEN');
      const rows = await pool.query(AFTER, [body.conversationId, body.afterSeq]);
      reply(ack)({ messages: rows.rows.map(toJson) });
    } catch {
      fail(ack, 'UNAVAILABLE');
    }
  });
});

server.listen(port, '127.0.0.1', () => console.log(`socket.io peer ready on ${port}, persist: ${mode}`));
const stop = () => { io.close(); pool.end().finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
