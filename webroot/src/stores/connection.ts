// The real-time connection's state machine (plan §5 "Connection Store", §6 "Connection Resilience"):
// Connecting → Connected; on loss Reconnecting with backoff 1, 2, 4, 8, 10 s … (cap 10 s, jitter);
// after MAX_ATTEMPTS failed attempts (about 5 minutes) Disconnected, until the user presses Retry,
// the browser comes back online or the page becomes visible (wake(): those try at once, except
// while waiting the delay a draining server gave). It also keeps the set of addresses the app wants to hear, and registers
// them again on every new socket.
import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import { backoffDelay } from '@/util/backoff';
import { BusError, NotConnectedError, type Bus } from '@/services/eventBus';
import { ApiError } from '@/services/api';
import type { ConnectionState } from '@/types/contract';

export const MAX_ATTEMPTS = 30;

interface Subscription {
  onEvent: (body: unknown) => void;
  onError?: (error: BusError) => void;
  cancel: (() => void) | null;
}

export interface ConnectionOptions {
  /** Opens a new connection (a new ticket, a new EventBus). */
  open: () => Promise<Bus>;
  /** Runs on every new connection, after the subscriptions are registered (sync, flush…). */
  onOpen?: (bus: Bus) => Promise<void> | void;
  /** A failed attempt that retrying cannot fix (e.g. 401): stop, tell the caller. */
  onFatal?: (error: unknown) => void;
  maxAttempts?: number;
  random?: () => number;
}

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionState>('Disconnected');
  const retryCount = ref(0);
  const lastError = ref<string | null>(null);
  const nextRetryAt = ref<number | null>(null);
  /** True once a connection was up in this run: later attempts show "Reconnecting". */
  const everConnected = ref(false);

  let options: ConnectionOptions | null = null;
  let bus: Bus | null = null;
  let running = false;
  let attemptInFlight = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** The pending attempt waits the delay a draining server gave ("reconnect in N ms"). */
  let serverDelay = false;
  const subscriptions = new Map<string, Subscription>();

  function configure(next: ConnectionOptions): void {
    options = next;
  }

  /** Starts connecting (idempotent while running). */
  function start(): void {
    if (!options) throw new Error('connection store: configure() first');
    if (running) return;
    running = true;
    everConnected.value = false;
    retryCount.value = 0;
    lastError.value = null;
    void attempt();
  }

  /** Stops for good (logout): closes the socket, no retries. */
  function stop(): void {
    running = false;
    clearTimer();
    const current = bus;
    bus = null;
    current?.close();
    for (const sub of subscriptions.values()) sub.cancel = null;
    status.value = 'Disconnected';
    retryCount.value = 0;
    nextRetryAt.value = null;
  }

  /** The Retry button: try now, with a fresh attempt budget. */
  function retryNow(): void {
    if (!options) return;
    if (!running) {
      running = true;
    }
    if (bus?.isOpen || attemptInFlight) return;
    clearTimer();
    retryCount.value = 0;
    void attempt();
  }

  /**
   * The browser came back online or the page became visible: try at once instead of waiting the
   * backoff (or when given up), but not before the time a draining server asked for.
   */
  function wake(): void {
    if (serverDelay && timer !== null) return;
    retryNow();
  }

  async function attempt(): Promise<void> {
    if (!running || !options || attemptInFlight) return;
    serverDelay = false;
    attemptInFlight = true;
    nextRetryAt.value = null;
    status.value = everConnected.value || retryCount.value > 0 ? 'Reconnecting' : 'Connecting';
    let opened: Bus;
    try {
      opened = await options.open();
    } catch (error) {
      attemptInFlight = false;
      if (!running) return;
      lastError.value = describe(error);
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        running = false;
        status.value = 'Disconnected';
        options.onFatal?.(error);
        return;
      }
      scheduleRetry();
      return;
    }
    attemptInFlight = false;
    if (!running) {
      opened.close();
      return;
    }
    bus = markRaw(opened);
    opened.onClose((reason, final, reconnectInMs) => lost(opened, reason, final, reconnectInMs));
    if (!opened.isOpen) return; // closed in between: lost() has scheduled the retry
    status.value = 'Connected';
    everConnected.value = true;
    retryCount.value = 0;
    lastError.value = null;
    for (const [address, sub] of subscriptions) register(opened, address, sub);
    try {
      await options.onOpen?.(opened);
    } catch (error) {
      if (!(error instanceof NotConnectedError)) lastError.value = describe(error);
    }
  }

  function lost(which: Bus, reason: string, final = false, reconnectInMs?: number): void {
    if (bus !== which) return;
    bus = null;
    for (const sub of subscriptions.values()) sub.cancel = null;
    if (!running) return;
    lastError.value = reason || 'The real-time connection was lost';
    if (final) {
      // replaced by a newer connection of this user (too many tabs): reconnecting would only
      // push another tab out, and that one back; wait for the user's Retry
      clearTimer();
      status.value = 'Disconnected';
      nextRetryAt.value = null;
      return;
    }
    status.value = 'Reconnecting';
    if (reconnectInMs !== undefined) {
      // the server is restarting and spread its clients over a few seconds: come back when told,
      // which is no failed attempt (the backoff starts over)
      reconnectIn(reconnectInMs);
      serverDelay = true;
      return;
    }
    scheduleRetry();
  }

  function reconnectIn(delay: number): void {
    clearTimer();
    nextRetryAt.value = Date.now() + delay;
    timer = setTimeout(() => {
      timer = null;
      void attempt();
    }, delay);
  }

  function scheduleRetry(): void {
    const max = options?.maxAttempts ?? MAX_ATTEMPTS;
    if (retryCount.value >= max) {
      clearTimer();
      status.value = 'Disconnected';
      nextRetryAt.value = null;
      return;
    }
    const delay = backoffDelay(retryCount.value, options?.random);
    retryCount.value += 1;
    status.value = 'Reconnecting';
    reconnectIn(delay);
  }

  function clearTimer(): void {
    serverDelay = false;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  }

  function register(on: Bus, address: string, sub: Subscription): void {
    try {
      sub.cancel = on.subscribe(address, sub.onEvent, (error) => {
        lastError.value = `${address}: ${error.message}`;
        sub.onError?.(error);
      });
    } catch {
      // the socket closed in between: lost() follows, and the next socket registers it again
      sub.cancel = null;
    }
  }

  /** Wants the events of an address, now and on every later connection. */
  function subscribe(address: string, onEvent: (body: unknown) => void, onError?: (error: BusError) => void): void {
    unsubscribe(address);
    const sub: Subscription = { onEvent, onError, cancel: null };
    subscriptions.set(address, sub);
    if (bus?.isOpen) register(bus, address, sub);
  }

  function unsubscribe(address: string): void {
    const sub = subscriptions.get(address);
    if (!sub) return;
    subscriptions.delete(address);
    sub.cancel?.();
  }

  /** A request over the bridge; NotConnectedError when there is no open connection. */
  function request<T>(address: string, body: unknown, timeoutMs?: number): Promise<T> {
    if (!bus?.isOpen) return Promise.reject(new NotConnectedError());
    return bus.request<T>(address, body, timeoutMs);
  }

  function isConnected(): boolean {
    return status.value === 'Connected' && !!bus?.isOpen;
  }

  function reset(): void {
    stop();
    subscriptions.clear();
    lastError.value = null;
    everConnected.value = false;
  }

  return {
    status,
    retryCount,
    lastError,
    nextRetryAt,
    configure,
    start,
    stop,
    retryNow,
    wake,
    subscribe,
    unsubscribe,
    request,
    isConnected,
    reset,
  };
});

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
