import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { MAX_ATTEMPTS, useConnectionStore } from '@/stores/connection';
import { NotConnectedError } from '@/services/eventBus';
import { ApiError } from '@/services/api';
import { FakeBus, settle } from '@/test/fakes';

describe('connection store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
  });
  afterEach(() => vi.useRealTimers());

  it('Connecting → Connected; registers what is wanted on the socket', async () => {
    const bus = new FakeBus();
    const c = useConnectionStore();
    const onOpen = vi.fn();
    c.configure({ open: async () => bus, onOpen });
    c.subscribe('user.me', () => {});
    c.start();
    expect(c.status).toBe('Connecting');
    await settle();
    expect(c.status).toBe('Connected');
    expect([...bus.subscriptions.keys()]).toEqual(['user.me']);
    expect(onOpen).toHaveBeenCalledWith(bus);
  });

  it('retries with backoff 1, 2, 4, 8, 10, 10 s…, then Disconnected; Retry starts over', async () => {
    const attempts: number[] = [];
    const c = useConnectionStore();
    const start = Date.now();
    c.configure({
      open: async () => {
        attempts.push(Date.now() - start);
        throw new NotConnectedError('refused');
      },
      random: () => 0.5, // no jitter: exact delays
    });
    c.start();
    await settle();
    expect(c.status).toBe('Reconnecting');
    expect(c.lastError).toBe('refused');
    const delays = [1000, 2000, 4000, 8000, ...Array(MAX_ATTEMPTS - 4).fill(10000)];
    for (const d of delays) {
      await vi.advanceTimersByTimeAsync(d);
    }
    // the first attempt at once, then MAX_ATTEMPTS retries, never more than 10 s apart
    const expected = [0];
    for (const d of delays) expected.push(expected[expected.length - 1] + d);
    expect(attempts).toEqual(expected);
    expect(attempts.slice(0, 7)).toEqual([0, 1000, 3000, 7000, 15000, 25000, 35000]);
    expect(attempts.length).toBe(MAX_ATTEMPTS + 1);
    expect(c.status).toBe('Disconnected');
    expect(c.retryCount).toBe(MAX_ATTEMPTS);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(attempts.length).toBe(MAX_ATTEMPTS + 1); // gave up

    c.retryNow();
    await settle();
    expect(attempts.length).toBe(MAX_ATTEMPTS + 2);
    expect(c.status).toBe('Reconnecting');
    expect(c.retryCount).toBe(1);
  });

  it('each retry delay has jitter within ±20 %', async () => {
    const times: number[] = [];
    const c = useConnectionStore();
    c.configure({
      open: async () => {
        times.push(Date.now());
        throw new NotConnectedError();
      },
    });
    c.start();
    await settle();
    await vi.advanceTimersByTimeAsync(200_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const bases = [1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000];
    expect(gaps.length).toBeGreaterThan(bases.length);
    gaps.forEach((g, i) => {
      const base = bases[Math.min(i, bases.length - 1)];
      expect(g).toBeGreaterThanOrEqual(base * 0.8 - 1);
      expect(g).toBeLessThanOrEqual(Math.min(base * 1.2, 10000) + 1);
    });
  });

  it('a lost connection → Reconnecting; a NEW connection (new ticket) each time, subscriptions again', async () => {
    const buses: FakeBus[] = [];
    const c = useConnectionStore();
    c.configure({
      open: async () => {
        const b = new FakeBus();
        buses.push(b);
        return b;
      },
      random: () => 0.5,
    });
    c.subscribe('user.me', () => {});
    c.subscribe('conversation.x', () => {});
    c.start();
    await settle();
    buses[0].drop('server stopped');
    expect(c.status).toBe('Reconnecting');
    expect(c.lastError).toBe('server stopped');
    await vi.advanceTimersByTimeAsync(1000);
    expect(buses).toHaveLength(2);
    expect(c.status).toBe('Connected');
    expect(c.retryCount).toBe(0);
    expect([...buses[1].subscriptions.keys()]).toEqual(['user.me', 'conversation.x']);
    c.unsubscribe('conversation.x');
    expect([...buses[1].subscriptions.keys()]).toEqual(['user.me']);
  });

  it('wake() (back online, page visible) tries at once instead of waiting the backoff, but waits a draining server\'s delay', async () => {
    const buses: FakeBus[] = [];
    let refuse = true;
    const c = useConnectionStore();
    c.configure({
      open: async () => {
        if (refuse) throw new NotConnectedError('refused');
        const b = new FakeBus();
        buses.push(b);
        return b;
      },
      random: () => 0.5,
    });
    c.start();
    await settle();
    for (const d of [1000, 2000, 4000]) await vi.advanceTimersByTimeAsync(d);
    expect(c.status).toBe('Reconnecting'); // now waiting 8 s
    refuse = false;
    c.wake();
    await settle();
    expect(c.status).toBe('Connected');
    expect(buses).toHaveLength(1);
    c.wake(); // connected: nothing
    await settle();
    expect(buses).toHaveLength(1);

    buses[0].drop('closed: server restarting', false, 4000);
    c.wake();
    await settle();
    expect(buses).toHaveLength(1); // the server said when
    await vi.advanceTimersByTimeAsync(4000);
    expect(buses).toHaveLength(2);
    expect(c.status).toBe('Connected');
  });

  it('a server restarting says when to come back: the client reconnects then, not sooner, and the backoff starts over', async () => {
    const buses: FakeBus[] = [];
    const c = useConnectionStore();
    c.configure({
      open: async () => {
        const b = new FakeBus();
        buses.push(b);
        return b;
      },
      random: () => 0.5,
    });
    c.start();
    await settle();
    buses[0].drop('closed: server restarting', false, 3200);
    expect(c.status).toBe('Reconnecting');
    await vi.advanceTimersByTimeAsync(3100);
    expect(buses).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(buses).toHaveLength(2);
    expect(c.status).toBe('Connected');
    expect(c.retryCount).toBe(0);
  });

  it('evicted by a newer connection of the same user (CONNECTION_LIMIT): Disconnected, no fight back, Retry works', async () => {
    const buses: FakeBus[] = [];
    const c = useConnectionStore();
    c.configure({
      open: async () => {
        const b = new FakeBus();
        buses.push(b);
        return b;
      },
    });
    c.start();
    await settle();
    buses[0].drop('Closed: a newer connection of yours replaced this one', true);
    expect(c.status).toBe('Disconnected');
    expect(c.lastError).toMatch(/newer connection/);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(buses).toHaveLength(1);
    c.retryNow();
    await settle();
    expect(buses).toHaveLength(2);
    expect(c.status).toBe('Connected');
  });

  it('a 401 for the ticket stops retrying (the user is logged out elsewhere)', async () => {
    const open = vi.fn(async () => {
      throw new ApiError(401, { detail: 'token expired' });
    });
    const c = useConnectionStore();
    const onFatal = vi.fn();
    c.configure({ open, onFatal });
    c.start();
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(open).toHaveBeenCalledTimes(1);
    expect(c.status).toBe('Disconnected');
    expect(onFatal).toHaveBeenCalled();
  });

  it('stop() closes the socket and does not reconnect', async () => {
    const bus = new FakeBus();
    const open = vi.fn(async () => bus);
    const c = useConnectionStore();
    c.configure({ open });
    c.start();
    await settle();
    c.stop();
    expect(bus.isOpen).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(open).toHaveBeenCalledTimes(1);
    expect(c.status).toBe('Disconnected');
    await expect(c.request('chat.sync', {})).rejects.toBeInstanceOf(NotConnectedError);
  });
});
