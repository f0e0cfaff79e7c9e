// The real-time bridge (docs/bridge-protocol.md): the official @vertx/eventbus-bridge-client.js
// over SockJS. A connection is bought with a single-use ticket (POST /api/realtime/ticket), so
// every (re)connection takes a NEW ticket and a NEW EventBus; the client's own reconnect (which
// would reuse the spent ticket) stays off. Reconnecting is the connection store's job.
import EventBus from '@vertx/eventbus-bridge-client.js';
import type { EventBusFailure, EventBusHandler } from '@vertx/eventbus-bridge-client.js';
import { api } from '@/services/api';
import type { BridgeErrorCode } from '@/types/contract';

export const OPEN_TIMEOUT_MS = 15_000;
export const REPLY_TIMEOUT_MS = 15_000;
/** The server closes a socket silent for 30 s; the official client pings on this interval. */
export const PING_INTERVAL_MS = 10_000;
/** SockJS transports that need no iframe (the CSP forbids the iframe ones' scripts). */
const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'];

/** An err frame answered to a request, or a refused registration. */
export class BusError extends Error {
  readonly code: BridgeErrorCode | string;
  readonly failureCode: number;
  readonly detail: string;

  constructor(failure: EventBusFailure) {
    const text = String(failure.message ?? '');
    const colon = text.indexOf(':');
    const code = colon > 0 ? text.slice(0, colon).trim() : 'UNKNOWN';
    const detail = colon > 0 ? text.slice(colon + 1).trim() : text;
    super(detail || code);
    this.name = 'BusError';
    this.code = code;
    this.failureCode = failure.failureCode;
    this.detail = detail;
  }

  /** Seconds from "RATE_LIMITED: retry after 3 s", if any. */
  get retryAfterSeconds(): number | undefined {
    const m = /retry after (\d+)/.exec(this.detail);
    return m ? Number(m[1]) : undefined;
  }
}

/** The connection went away, or was not there: what was asked may or may not have been done. */
export class NotConnectedError extends Error {
  constructor(message = 'Not connected') {
    super(message);
    this.name = 'NotConnectedError';
  }
}

/**
 * For a request whose failure nobody waits for (presence.update…): without a connection nothing is
 * lost, as every new connection sends it again; any other failure is logged with what was asked.
 */
export function logUnlessOffline(what: string): (error: unknown) => void {
  return (error) => {
    if (!(error instanceof NotConnectedError)) console.warn(`[thrume] ${what} failed:`, error);
  };
}

export type CloseListener = (reason: string, final?: boolean, reconnectInMs?: number) => void;

/** What the stores need of a bridge connection (a fake in unit tests). */
export interface Bus {
  readonly isOpen: boolean;
  request<T>(address: string, body: unknown, timeoutMs?: number): Promise<T>;
  subscribe(address: string, onEvent: (body: unknown) => void, onError?: (error: BusError) => void): () => void;
  /**
   * `final`: the server replaced this connection by a newer one of the same user (do not fight back).
   * `reconnectInMs`: the server is restarting and said when to come back (not a failure).
   */
  onClose(listener: CloseListener): void;
  close(): void;
}

/** One EventBus, i.e. one SockJS socket, for its whole life; it is never reopened. */
export class BusConnection implements Bus {
  private readonly eb: EventBus;
  private open = false;
  private closed = false;
  private readonly closeListeners: CloseListener[] = [];
  /** Set when the server said "UNAVAILABLE: server restarting, reconnect in N ms" (a drain). */
  private reconnectInMs: number | undefined;
  /** Set when the server said CONNECTION_LIMIT: a newer connection of this user took our place. */
  private evicted: string | null = null;
  private readonly pending = new Set<(error: Error) => void>();
  private readonly handlers = new Map<string, EventBusHandler>();
  /** Err frames no handler took (CONNECTION_LIMIT, refused frames without an address). */
  onUnhandledError: ((error: BusError) => void) | null = null;

  private constructor(url: string) {
    this.eb = new EventBus(url, { vertxbus_ping_interval: PING_INTERVAL_MS, transports: TRANSPORTS });
    this.eb.onerror = (failure) => {
      const error = new BusError(failure);
      if (error.code === 'CONNECTION_LIMIT') this.evicted = error.detail || 'a newer connection replaced this one';
      const restart = error.code === 'UNAVAILABLE' ? /reconnect in (\d+) ms/.exec(error.detail) : null;
      if (restart) this.reconnectInMs = Number(restart[1]);
      this.onUnhandledError?.(error);
    };
  }

  /** Buys a ticket and opens a socket with it; rejects (and leaves nothing open) on any failure. */
  static async connect(timeoutMs = OPEN_TIMEOUT_MS): Promise<BusConnection> {
    const { ticket } = await api.ticket();
    return BusConnection.open(`/eventbus?ticket=${encodeURIComponent(ticket)}`, timeoutMs);
  }

  static open(url: string, timeoutMs = OPEN_TIMEOUT_MS): Promise<BusConnection> {
    return new Promise((resolve, reject) => {
      const conn = new BusConnection(url);
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        conn.close();
        reject(new NotConnectedError(`The real-time connection did not open within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      conn.eb.onopen = () => {
        conn.open = true;
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(conn);
      };
      conn.eb.onclose = (event) => {
        const reason = event?.reason ? `closed: ${event.reason}` : 'The real-time connection was closed';
        conn.markClosed(reason);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new NotConnectedError(reason));
      };
    });
  }

  get isOpen(): boolean {
    return this.open && !this.closed;
  }

  request<T>(address: string, body: unknown, timeoutMs = REPLY_TIMEOUT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.isOpen) {
        reject(new NotConnectedError());
        return;
      }
      let done = false;
      const fail = (error: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.pending.delete(fail);
        reject(error);
      };
      const timer = setTimeout(() => fail(new NotConnectedError(`No answer from ${address} within ${timeoutMs / 1000} s`)), timeoutMs);
      this.pending.add(fail);
      try {
        this.eb.send(address, body, (error, reply) => {
          if (done) return;
          if (error) {
            fail(new BusError(error));
            return;
          }
          done = true;
          clearTimeout(timer);
          this.pending.delete(fail);
          resolve(reply.body as T);
        });
      } catch {
        fail(new NotConnectedError());
      }
    });
  }

  subscribe(address: string, onEvent: (body: unknown) => void, onError?: (error: BusError) => void): () => void {
    if (!this.isOpen) throw new NotConnectedError();
    const previous = this.handlers.get(address);
    if (previous) this.eb.unregisterHandler(address, previous);
    const handler: EventBusHandler = (error, message) => {
      if (error) onError?.(new BusError(error));
      else onEvent(message.body);
    };
    this.handlers.set(address, handler);
    this.eb.registerHandler(address, handler);
    return () => {
      if (this.handlers.get(address) !== handler) return;
      this.handlers.delete(address);
      if (this.isOpen) {
        try {
          this.eb.unregisterHandler(address, handler);
        } catch {
          // closing already
        }
      }
    };
  }

  onClose(listener: CloseListener): void {
    if (this.closed) listener('The real-time connection was closed', this.evicted !== null, this.reconnectInMs);
    else this.closeListeners.push(listener);
  }

  close(): void {
    try {
      this.eb.close();
    } catch {
      // never opened
    }
    this.markClosed('closed by the client');
  }

  private markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    for (const fail of [...this.pending]) fail(new NotConnectedError('The connection was lost before the answer came'));
    this.pending.clear();
    const final = this.evicted !== null;
    for (const listener of this.closeListeners.splice(0)) {
      listener(final ? `Closed: ${this.evicted}` : reason, final, this.reconnectInMs);
    }
  }
}
