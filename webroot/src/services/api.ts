// Typed wrappers around the REST API (docs/rest-api.md). Errors come back as ApiError, built
// from the server's application/problem+json answer, so the UI can show its detail to the user.
import type {
  Account,
  ChangesPage,
  Conversation,
  ConversationSummary,
  Message,
  MessagePage,
  MessageSearchResult,
  PresenceInfo,
  Problem,
  ReadMark,
  Session,
  Ticket,
} from '@/types/contract';

const REQUEST_TIMEOUT_MS = 15_000;

/** A failed request: an HTTP problem (status > 0) or no answer at all (status 0: network). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, problem: Problem, retryAfterSeconds?: number) {
    super(ApiError.describe(status, problem));
    this.name = 'ApiError';
    this.status = status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** True when the server could not be reached (or did not answer in time). */
  get isNetwork(): boolean {
    return this.status === 0;
  }

  private static describe(status: number, problem: Problem): string {
    if (status === 0) return problem.detail ?? 'The server cannot be reached.';
    const detail = problem.detail ?? problem.title ?? `HTTP ${status}`;
    return detail.charAt(0).toUpperCase() + detail.slice(1);
  }
}

interface Hooks {
  token: () => string | null;
  /**
   * Called when an authenticated request answers 401 with `token`: gets a new access token (with
   * the refresh token) and resolves true when the request may be tried again with it, false when
   * the session has ended. Rejects with a network ApiError when the server cannot be reached.
   */
  renew: (token: string | null) => Promise<boolean>;
  /** Called when an authenticated request answers 401 and no new token can be had (session ended). */
  unauthorized: (error: ApiError) => void;
}

const hooks: Hooks = {
  token: () => null,
  renew: async () => false,
  unauthorized: () => {},
};

/** Wires the API to the auth store (done once at start-up; tests may set their own). */
export function configureApi(next: Partial<Hooks>): void {
  Object.assign(hooks, next);
}

interface RequestOptions {
  body?: unknown;
  auth?: boolean;
  timeoutMs?: number;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const auth = options.auth ?? true;
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const token = auth ? hooks.token() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: payload,
      cache: 'no-store',
      signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === 'TimeoutError';
    throw new ApiError(0, {
      title: 'Network error',
      detail: timedOut ? 'The server did not answer in time.' : 'The server cannot be reached.',
    });
  }
  // a body that cannot be read (the connection broke mid-answer) is taken as none: the status still tells
  const text = await response.text().catch(() => '');
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON (a proxy's error page): the status and its text tell what happened
      json = null;
    }
  }
  if (!response.ok) {
    const problem: Problem = json && typeof json === 'object' ? (json as Problem) : { title: response.statusText };
    const retry = Number(response.headers.get('Retry-After'));
    const error = new ApiError(response.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    if (response.status === 401 && auth) {
      // an access token expired (or ended): one try with a new one, if the session goes on
      if (!retried && (await hooks.renew(token))) return request<T>(method, path, options, true);
      hooks.unauthorized(error);
    }
    throw error;
  }
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  register: (username: string, password: string, displayName: string) =>
    request<Session>('POST', '/api/auth/register', { body: { username, password, displayName }, auth: false }),
  login: (username: string, password: string) =>
    request<Session>('POST', '/api/auth/login', { body: { username, password }, auth: false }),
  refresh: (refreshToken: string) => request<Session>('POST', '/api/auth/refresh', { body: { refreshToken }, auth: false }),
  /** Ends this session on the server (its refresh token, access tokens and sockets). */
  logout: () => request<null>('POST', '/api/auth/logout'),
  logoutAll: () => request<null>('POST', '/api/auth/logout-all'),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<null>('POST', '/api/auth/password', { body: { currentPassword, newPassword } }),
  me: () => request<Account>('GET', '/api/accounts/me'),
  searchAccounts: (search: string) => request<Account[]>('GET', `/api/accounts?search=${enc(search)}`),
  createConversation: (participantIds: string[], title?: string) =>
    request<Conversation>('POST', '/api/conversations', { body: title ? { participantIds, title } : { participantIds } }),
  listConversations: () => request<ConversationSummary[]>('GET', '/api/conversations'),
  getConversation: (id: string) => request<Conversation>('GET', `/api/conversations/${enc(id)}`),
  /** An invited participant accepts: the conversation, with myStatus 'accepted'. */
  acceptConversation: (id: string) => request<Conversation>('POST', `/api/conversations/${enc(id)}/accept`),
  /** Leaves the conversation (204). */
  leaveConversation: (id: string) => request<null>('DELETE', `/api/conversations/${enc(id)}/participants/me`),
  /** The creator removes someone (204). */
  removeParticipant: (id: string, userId: string) =>
    request<null>('DELETE', `/api/conversations/${enc(id)}/participants/${enc(userId)}`),
  /** An accepted participant adds people (invited): the conversation. */
  addParticipants: (id: string, userIds: string[]) =>
    request<Conversation>('POST', `/api/conversations/${enc(id)}/participants`, { body: { userIds } }),
  /** An accepted participant renames the conversation (null: no title): the conversation. */
  renameConversation: (id: string, title: string | null) =>
    request<Conversation>('PATCH', `/api/conversations/${enc(id)}`, { body: { title } }),
  /** Whom the user has blocked, the latest first. */
  blocks: () => request<Account[]>('GET', '/api/blocks'),
  block: (userId: string) => request<null>('PUT', `/api/blocks/${enc(userId)}`),
  unblock: (userId: string) => request<null>('DELETE', `/api/blocks/${enc(userId)}`),
  /** Ascending by seq. No afterSeq: the page ending before beforeSeq (or the latest page). */
  messages: (id: string, query: { afterSeq?: number; beforeSeq?: number; limit?: number } = {}) => {
    const params = new URLSearchParams();
    if (query.afterSeq !== undefined) params.set('afterSeq', String(query.afterSeq));
    if (query.beforeSeq !== undefined) params.set('beforeSeq', String(query.beforeSeq));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const qs = params.toString();
    return request<MessagePage>('GET', `/api/conversations/${enc(id)}/messages${qs ? `?${qs}` : ''}`);
  },
  sendMessage: (id: string, content: string, clientMessageId: string) =>
    request<Message>('POST', `/api/conversations/${enc(id)}/messages`, { body: { content, clientMessageId } }),
  /** Edits one's own message: the message, edited (403 not the sender, 409 deleted). */
  editMessage: (id: string, seq: number, content: string) =>
    request<Message>('PATCH', `/api/conversations/${enc(id)}/messages/${seq}`, { body: { content } }),
  /** Deletes one's own message: the tombstone. */
  deleteMessage: (id: string, seq: number) => request<Message>('DELETE', `/api/conversations/${enc(id)}/messages/${seq}`),
  /** Adds (on) or takes back one's reaction: the message. */
  react: (id: string, seq: number, emoji: string, on: boolean) =>
    request<Message>(on ? 'PUT' : 'DELETE', `/api/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}`),
  /** Messages changed after `after` (changeSeq order), the conversation's lastChange, hasMore. */
  changes: (id: string, after: number, limit = 200) =>
    request<ChangesPage>('GET', `/api/conversations/${enc(id)}/changes?after=${after}&limit=${limit}`),
  markRead: (id: string, seq: number) => request<ReadMark>('POST', `/api/conversations/${enc(id)}/read`, { body: { seq } }),
  presence: (userIds: string[]) =>
    request<Record<string, PresenceInfo>>('GET', `/api/presence?userIds=${userIds.map(enc).join(',')}`),
  ticket: () => request<Ticket>('POST', '/api/realtime/ticket'),
  /** Messages whose words start with every word of q, newest first (all the user's conversations, or one). */
  searchMessages: (q: string, conversationId?: string, limit?: number) => {
    const params = new URLSearchParams({ q });
    if (conversationId) params.set('conversationId', conversationId);
    if (limit !== undefined) params.set('limit', String(limit));
    return request<MessageSearchResult>('GET', `/api/search/messages?${params.toString()}`);
  },
};

/** The session's bearer and its renewal, for requests made without fetch (uploads: XMLHttpRequest, for progress). */
export const bearer = {
  token: (): string | null => hooks.token(),
  /** After a 401 with `token`: true when a new token may be tried. */
  renew: (token: string | null): Promise<boolean> => hooks.renew(token),
  unauthorized: (error: ApiError): void => hooks.unauthorized(error),
};

export type Api = typeof api;
