// Who is logged in (docs/web-client.md, "Sessions"). The session (access token, its expiry, the
// refresh token, the account) is kept in localStorage, shared by the app's tabs. A little before
// the access token expires the store trades the refresh token for a new pair, and so does a request
// answered 401: a user is not logged out while the session lives. Refresh tokens are single use, so
// tabs refresh one at a time (a Web Lock) and a tab first looks whether another one refreshed
// already. The user is sent back to the login screen, with a message saying why, only when the
// server refuses the refresh token (logged out elsewhere, password changed, 30 days unused) or
// when the user logs out.
// The session is read from and written to localStorage by hand, not through VueUse's useStorage:
// a tab about to refresh must read what another tab wrote that very moment (under the lock), before
// any storage event has told it, and a session written by another tab is adopted, not written back.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useEventListener } from '@vueuse/core';
import { api, ApiError } from '@/services/api';
import { forgetDrafts } from '@/util/drafts';
import type { Account, Session } from '@/types/contract';

export const SESSION_KEY = 'thrume.session';
/** setTimeout's largest delay (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Refresh this long before the access token expires (or at 90 % of a shorter lifetime). */
const REFRESH_AHEAD_MS = 60_000;
/** After a refresh that could not reach the server, try again this much later. */
const RETRY_MS = 15_000;
const LOCK_NAME = 'thrume.refresh';

export const EXPIRED_NOTICE = 'Your session has expired. Please log in again.';
export const UNAUTHORIZED_NOTICE = 'You have been logged out: the server no longer accepts your session. Please log in again.';
export const LOGGED_OUT_NOTICE = 'You have logged out.';

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.token !== 'string' || typeof s.expiresAt !== 'string' || !s.account || typeof s.account.id !== 'string') return null;
    if (s.refreshToken !== undefined && typeof s.refreshToken !== 'string') return null;
    return s as Session;
  } catch {
    return null;
  }
}

/** Runs `task` while holding the cross-tab refresh lock (or just runs it where Web Locks are missing). */
function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  return locks ? (locks.request(LOCK_NAME, task) as Promise<T>) : task();
}

export const useAuthStore = defineStore('auth', () => {
  const session = ref<Session | null>(null);
  /** Why the user is (back) on the login screen, shown there once. */
  const notice = ref<string | null>(null);
  /** True when the session ended without the user asking (the login screen then returns to where they were). */
  const endedUnasked = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let refreshing: Promise<boolean> | null = null;
  /** While the user's logout is under way, what it causes (the socket closed, a 401) is not a session that "ended". */
  let signingOut = false;

  const isAuthenticated = computed(() => session.value !== null);
  const account = computed<Account | null>(() => session.value?.account ?? null);
  const token = computed(() => session.value?.token ?? null);

  function expiresInMs(s: Session, now = Date.now()): number {
    const at = Date.parse(s.expiresAt);
    return Number.isFinite(at) ? at - now : -1;
  }

  /** Restores a kept session at start-up; an expired access token is refreshed if the session has a refresh token. */
  function restore(now = Date.now()): void {
    const stored = readStored();
    if (!stored) {
      if (localStorage.getItem(SESSION_KEY)) localStorage.removeItem(SESSION_KEY);
      return;
    }
    if (expiresInMs(stored, now) <= 0 && !stored.refreshToken) {
      localStorage.removeItem(SESSION_KEY);
      notice.value = EXPIRED_NOTICE;
      return;
    }
    adopt(stored, false);
  }

  function adopt(s: Session, persist = true): void {
    session.value = s;
    notice.value = null;
    endedUnasked.value = false;
    if (persist) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
    schedule(s);
  }

  /** At expiry minus a margin: refresh (or, without a refresh token, the session ends). */
  function schedule(s: Session, delayMs?: number): void {
    if (timer !== null) clearTimeout(timer);
    const ms = expiresInMs(s);
    const ahead = s.refreshToken ? Math.min(REFRESH_AHEAD_MS, Math.max(ms, 0) / 10) : 0;
    const wait = delayMs ?? ms - ahead;
    timer = setTimeout(() => {
      timer = null;
      if (session.value?.token !== s.token) return;
      if (!s.refreshToken) {
        end(EXPIRED_NOTICE);
        return;
      }
      refresh(s.token).catch(() => {
        // the server cannot be reached: keep the session, try again a little later
        if (session.value?.token === s.token) schedule(s, RETRY_MS);
      });
    }, Math.min(Math.max(wait, 0), MAX_TIMER_MS));
  }

  /**
   * A new access token for the session whose token was `stale`. Resolves true when there is one
   * (ours, or one another tab got meanwhile), false when the session has ended (then the user is
   * logged out, with a message); rejects with a network ApiError when the server cannot be reached.
   */
  function refresh(stale: string | null): Promise<boolean> {
    if (!session.value) return Promise.resolve(false);
    if (stale !== null && session.value.token !== stale) return Promise.resolve(true);
    if (refreshing) return refreshing;
    refreshing = withRefreshLock(async () => {
      const current = session.value;
      if (!current) return false;
      // another tab may have refreshed while we waited for the lock: its tokens are ours too
      const stored = readStored();
      if (stored && stored.account.id === current.account.id && stored.token !== current.token) {
        adopt(stored, false);
        return true;
      }
      if (!current.refreshToken) {
        end(UNAUTHORIZED_NOTICE);
        return false;
      }
      try {
        const next = await api.refresh(current.refreshToken);
        if (session.value?.account.id === current.account.id) adopt(next);
        return true;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 400)) {
          end(UNAUTHORIZED_NOTICE);
          return false;
        }
        throw e;
      }
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function login(username: string, password: string): Promise<void> {
    adopt(await api.login(username.trim(), password));
  }

  async function register(username: string, password: string, displayName: string): Promise<void> {
    adopt(await api.register(username.trim(), password, displayName.trim()));
  }

  /** Forgets the session here; `why` is shown on the login screen. */
  function logout(why: string | null = null): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    session.value = null;
    notice.value = why;
    endedUnasked.value = false;
    localStorage.removeItem(SESSION_KEY);
  }

  /** The session ended without the user asking: drafts are kept, the login screen returns to where the user was. */
  function end(why: string): void {
    if (!session.value || signingOut) return;
    logout(why);
    endedUnasked.value = true;
  }

  /**
   * The user logs out: the server ends the session (its refresh token, its access tokens and its
   * sockets, on every node), and this device forgets it and the user's drafts. When the server
   * cannot be reached the device forgets it all the same; the session then ends on the server when
   * its refresh token expires.
   */
  async function signOut(): Promise<void> {
    const who = session.value?.account.id;
    signingOut = true;
    try {
      await api.logout();
    } catch {
      // logged out here regardless
    } finally {
      signingOut = false;
    }
    if (who) forgetDrafts(who);
    logout(LOGGED_OUT_NOTICE);
  }

  /** The API answered 401 and no new token could be had. */
  function unauthorized(_error: ApiError): void {
    end(UNAUTHORIZED_NOTICE);
  }

  /** Another tab logged in, refreshed or logged out: follow it. */
  function onStorage(e: StorageEvent): void {
    if (e.key !== SESSION_KEY) return;
    const stored = readStored();
    if (stored && (!session.value || stored.account.id === session.value.account.id)) {
      adopt(stored, false);
    } else if (!stored && session.value) {
      logout(LOGGED_OUT_NOTICE);
    }
  }
  useEventListener(typeof window !== 'undefined' ? window : undefined, 'storage', onStorage);

  function clearNotice(): void {
    notice.value = null;
  }

  return {
    session, notice, endedUnasked, isAuthenticated, account, token,
    restore, login, register, refresh, logout, signOut, unauthorized, clearNotice,
  };
});
