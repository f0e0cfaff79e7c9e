// Who is logged in. The session (token, expiresAt, account) is kept in localStorage so that a
// reload stays logged in until the token expires; then, or when the API answers 401, the user
// is sent back to the login screen with a message saying why.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiError } from '@/services/api';
import type { Account, Session } from '@/types/contract';

export const SESSION_KEY = 'thrume.session';
/** setTimeout's largest delay (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const EXPIRED_NOTICE = 'Your session has expired. Please log in again.';
export const UNAUTHORIZED_NOTICE = 'You have been logged out: the server no longer accepts your session. Please log in again.';

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.token !== 'string' || typeof s.expiresAt !== 'string' || !s.account || typeof s.account.id !== 'string') return null;
    return s as Session;
  } catch {
    return null;
  }
}

export const useAuthStore = defineStore('auth', () => {
  const session = ref<Session | null>(null);
  /** Why the user is (back) on the login screen, shown there once. */
  const notice = ref<string | null>(null);
  let expiryTimer: ReturnType<typeof setTimeout> | null = null;

  const isAuthenticated = computed(() => session.value !== null);
  const account = computed<Account | null>(() => session.value?.account ?? null);
  const token = computed(() => session.value?.token ?? null);

  function expiresInMs(s: Session, now = Date.now()): number {
    const at = Date.parse(s.expiresAt);
    return Number.isFinite(at) ? at - now : -1;
  }

  /** Restores a kept session at start-up, unless it has expired. */
  function restore(now = Date.now()): void {
    const stored = readStored();
    if (!stored) {
      if (localStorage.getItem(SESSION_KEY)) localStorage.removeItem(SESSION_KEY);
      return;
    }
    if (expiresInMs(stored, now) <= 0) {
      localStorage.removeItem(SESSION_KEY);
      notice.value = EXPIRED_NOTICE;
      return;
    }
    adopt(stored, false);
  }

  function adopt(s: Session, persist = true): void {
    session.value = s;
    notice.value = null;
    if (persist) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
    scheduleExpiry(s);
  }

  function scheduleExpiry(s: Session): void {
    if (expiryTimer !== null) clearTimeout(expiryTimer);
    const ms = expiresInMs(s);
    expiryTimer = setTimeout(() => {
      expiryTimer = null;
      if (session.value?.token === s.token) logout(EXPIRED_NOTICE);
    }, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  }

  async function login(username: string, password: string): Promise<void> {
    adopt(await api.login(username.trim(), password));
  }

  async function register(username: string, password: string, displayName: string): Promise<void> {
    adopt(await api.register(username.trim(), password, displayName.trim()));
  }

  /** Forgets the session; `why` is shown on the login screen. */
  function logout(why: string | null = null): void {
    if (expiryTimer !== null) {
      clearTimeout(expiryTimer);
      expiryTimer = null;
    }
    session.value = null;
    notice.value = why;
    localStorage.removeItem(SESSION_KEY);
  }

  /** The API answered 401 to an authenticated request. */
  function unauthorized(_error: ApiError): void {
    if (session.value) logout(UNAUTHORIZED_NOTICE);
  }

  function clearNotice(): void {
    notice.value = null;
  }

  return { session, notice, isAuthenticated, account, token, restore, login, register, logout, unauthorized, clearNotice };
});
