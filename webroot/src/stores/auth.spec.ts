import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import { EXPIRED_NOTICE, LOGGED_OUT_NOTICE, SESSION_KEY, UNAUTHORIZED_NOTICE, useAuthStore } from '@/stores/auth';
import { useDraft } from '@/util/drafts';
import { ApiError, api, configureApi } from '@/services/api';

const account = { id: 'a1', username: 'alice', displayName: 'Alice' };

/** What the composer does while the user types (the draft is written before the next render). */
async function keepDraft(accountId: string, conversationId: string, text: string): Promise<void> {
  useDraft(accountId, conversationId).value = text;
  await nextTick();
}

describe('auth store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    localStorage.clear();
    setActivePinia(createPinia());
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('a reload stays logged in until the token expires, then back to login with a message', () => {
    localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't', expiresAt: '2026-01-01T12:30:00Z', account }));
    const auth = useAuthStore();
    auth.restore();
    expect(auth.isAuthenticated).toBe(true);
    expect(auth.account?.username).toBe('alice');
    vi.advanceTimersByTime(29 * 60_000);
    expect(auth.isAuthenticated).toBe(true);
    vi.advanceTimersByTime(61_000);
    expect(auth.isAuthenticated).toBe(false);
    expect(auth.notice).toBe(EXPIRED_NOTICE);
    expect(localStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('an expired kept session is dropped at start-up, with the message', () => {
    localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't', expiresAt: '2026-01-01T11:59:00Z', account }));
    const auth = useAuthStore();
    auth.restore();
    expect(auth.isAuthenticated).toBe(false);
    expect(auth.notice).toBe(EXPIRED_NOTICE);
  });

  it('login keeps the session; a 401 from the API logs out with a message', async () => {
    const fetchMock = vi.fn(async (url: string, _init?: RequestInit) => {
      if (url === '/api/auth/login') {
        return new Response(JSON.stringify({ token: 'tok', expiresAt: '2026-01-01T13:00:00Z', account }), { status: 200 });
      }
      return new Response(JSON.stringify({ type: 'urn:thrume:problem:unauthorized', title: 'Unauthorized', status: 401, detail: 'the token has expired' }), {
        status: 401,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    });
    vi.stubGlobal('fetch', fetchMock);
    const auth = useAuthStore();
    configureApi({ token: () => auth.token, unauthorized: (e) => auth.unauthorized(e) });
    await auth.login('alice', 'correct horse');
    expect(JSON.parse(localStorage.getItem(SESSION_KEY)!).token).toBe('tok');
    const error = await api.listConversations().catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.message).toBe('The token has expired');
    expect((fetchMock.mock.calls[1][1]?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(auth.isAuthenticated).toBe(false);
    expect(auth.notice).toBe(UNAUTHORIZED_NOTICE);
  });

  it('problem+json details reach the user; an unreachable server is a network error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ status: 409, title: 'Conflict', detail: 'this username is taken' }), { status: 409 })));
    const auth = useAuthStore();
    await expect(auth.register('alice', 'password1', 'Alice')).rejects.toThrow('This username is taken');
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }));
    const e = await auth.login('alice', 'password1').catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.isNetwork).toBe(true);
  });

  describe('with a refresh token', () => {
    const problem401 = () =>
      new Response(JSON.stringify({ status: 401, title: 'Unauthorized', detail: 'the session has ended: log in again' }), { status: 401 });

    function wire() {
      const auth = useAuthStore();
      configureApi({ token: () => auth.token, renew: (stale) => auth.refresh(stale), unauthorized: (e) => auth.unauthorized(e) });
      return auth;
    }

    it('refreshes a minute before the access token expires, and keeps the new pair', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't1', refreshToken: 'r1', expiresAt: '2026-01-01T12:30:00Z', account }));
      const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
        new Response(JSON.stringify({ token: 't2', refreshToken: 'r2', expiresAt: '2026-01-01T13:29:00Z', account }), { status: 200 }));
      vi.stubGlobal('fetch', fetchMock);
      const auth = wire();
      auth.restore();
      await vi.advanceTimersByTimeAsync(28 * 60_000);
      expect(fetchMock).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(61_000);
      expect(fetchMock).toHaveBeenCalledTimes(1);
      expect(fetchMock.mock.calls[0][0]).toBe('/api/auth/refresh');
      expect(JSON.parse(fetchMock.mock.calls[0][1]!.body as string)).toEqual({ refreshToken: 'r1' });
      expect(auth.token).toBe('t2');
      expect(JSON.parse(localStorage.getItem(SESSION_KEY)!).refreshToken).toBe('r2');
      // still logged in long after the first token's expiry
      await vi.advanceTimersByTimeAsync(30 * 60_000);
      expect(auth.isAuthenticated).toBe(true);
    });

    it('an expired kept access token is refreshed at start-up instead of logging out', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 'old', refreshToken: 'r1', expiresAt: '2026-01-01T11:00:00Z', account }));
      vi.stubGlobal('fetch', vi.fn(async () =>
        new Response(JSON.stringify({ token: 'new', refreshToken: 'r2', expiresAt: '2026-01-01T13:00:00Z', account }), { status: 200 })));
      const auth = wire();
      auth.restore();
      expect(auth.isAuthenticated).toBe(true);
      await vi.advanceTimersByTimeAsync(0);
      expect(auth.token).toBe('new');
      expect(auth.notice).toBeNull();
    });

    it('a request answered 401 is tried again once with a refreshed token', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't1', refreshToken: 'r1', expiresAt: '2026-01-01T12:30:00Z', account }));
      const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
        if (url === '/api/auth/refresh') {
          return new Response(JSON.stringify({ token: 't2', refreshToken: 'r2', expiresAt: '2026-01-01T13:30:00Z', account }), { status: 200 });
        }
        const bearer = (init?.headers as Record<string, string>).Authorization;
        return bearer === 'Bearer t2' ? new Response('[]', { status: 200 }) : problem401();
      });
      vi.stubGlobal('fetch', fetchMock);
      const auth = wire();
      auth.restore();
      await expect(api.listConversations()).resolves.toEqual([]);
      expect(fetchMock.mock.calls.map((c) => c[0])).toEqual(['/api/conversations', '/api/auth/refresh', '/api/conversations']);
      expect(auth.isAuthenticated).toBe(true);
    });

    it('a refused refresh token ends the session with a message, keeping drafts and the place', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't1', refreshToken: 'r1', expiresAt: '2026-01-01T12:30:00Z', account }));
      await keepDraft(account.id, 'c1', 'half a thought');
      vi.stubGlobal('fetch', vi.fn(async () => problem401()));
      const auth = wire();
      auth.restore();
      const e = await api.listConversations().catch((x) => x);
      expect(e.status).toBe(401);
      expect(auth.isAuthenticated).toBe(false);
      expect(auth.notice).toBe(UNAUTHORIZED_NOTICE);
      expect(auth.endedUnasked).toBe(true);
      expect(useDraft(account.id, 'c1').value).toBe('half a thought');
    });

    it('a refresh that cannot reach the server keeps the session and tries again', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't1', refreshToken: 'r1', expiresAt: '2026-01-01T12:10:00Z', account }));
      let up = false;
      const fetchMock = vi.fn(async () => {
        if (!up) throw new TypeError('Failed to fetch');
        return new Response(JSON.stringify({ token: 't2', refreshToken: 'r2', expiresAt: '2026-01-01T13:10:00Z', account }), { status: 200 });
      });
      vi.stubGlobal('fetch', fetchMock);
      const auth = wire();
      auth.restore();
      await vi.advanceTimersByTimeAsync(9 * 60_000 + 1_000);
      expect(fetchMock).toHaveBeenCalledTimes(1);
      expect(auth.isAuthenticated).toBe(true);
      up = true;
      await vi.advanceTimersByTimeAsync(16_000);
      expect(auth.token).toBe('t2');
    });

    it('another tab\'s refresh is adopted instead of presenting the rotated refresh token', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't1', refreshToken: 'r1', expiresAt: '2026-01-01T12:30:00Z', account }));
      const fetchMock = vi.fn(async () => problem401());
      vi.stubGlobal('fetch', fetchMock);
      const auth = wire();
      auth.restore();
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't2', refreshToken: 'r2', expiresAt: '2026-01-01T13:30:00Z', account }));
      await expect(auth.refresh('t1')).resolves.toBe(true);
      expect(fetchMock).not.toHaveBeenCalled();
      expect(auth.token).toBe('t2');
    });

    it('logging out ends the session on the server and forgets it and the drafts here', async () => {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 't1', refreshToken: 'r1', expiresAt: '2026-01-01T12:30:00Z', account }));
      await keepDraft(account.id, 'c1', 'never sent');
      const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => new Response(null, { status: 204 }));
      vi.stubGlobal('fetch', fetchMock);
      const auth = wire();
      auth.restore();
      await auth.signOut();
      expect(fetchMock.mock.calls[0][0]).toBe('/api/auth/logout');
      expect(fetchMock.mock.calls[0][1]!.method).toBe('POST');
      expect((fetchMock.mock.calls[0][1]!.headers as Record<string, string>).Authorization).toBe('Bearer t1');
      expect(auth.isAuthenticated).toBe(false);
      expect(auth.notice).toBe(LOGGED_OUT_NOTICE);
      expect(auth.endedUnasked).toBe(false);
      expect(localStorage.getItem(SESSION_KEY)).toBeNull();
      expect(useDraft(account.id, 'c1').value).toBe('');
    });
  });
});
