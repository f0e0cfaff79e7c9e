import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { EXPIRED_NOTICE, SESSION_KEY, UNAUTHORIZED_NOTICE, useAuthStore } from '@/stores/auth';
import { ApiError, api, configureApi } from '@/services/api';

const account = { id: 'a1', username: 'alice', displayName: 'Alice' };

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
});
