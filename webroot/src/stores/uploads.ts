// Files being attached in each conversation's composer (AttachButton, FileDrop, PendingUploads):
// each is uploaded at once (services/upload.ts) with its progress, can be cancelled (the request is
// aborted) or removed, and once stored waits as a chip until the message that names it is sent
// (composer.ts takes the finished ones). A refused file shows why, per file, and is never sent.
// Refused for now (429: too many uploads; 503: the node has too many at once) it is tried again by
// itself after the server's Retry-After, or else after 2, 4, 8, 16, 30 s, at most AUTO_RETRIES times;
// the user can still retry at once or give it up. Other refusals (400, 404, 413) are not retried.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '@/services/api';
import { xhrUpload, type UploadTransport } from '@/services/upload';
import { fileSize } from '@/util/files';
import { uuid } from '@/util/ids';
import type { Attachment } from '@/types/contract';

/** The server takes at most this many files in one message. */
export const MAX_ATTACHMENTS = 10;
/** Automatic tries of an upload refused with 429 or 503, before it waits for the user. */
export const AUTO_RETRIES = 5;
/** The longest wait before an automatic try when the server did not say how long. */
export const RETRY_CAP_MS = 30_000;

export type UploadState = 'uploading' | 'done' | 'failed';

export interface Upload {
  key: string;
  conversationId: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  loaded: number;
  state: UploadState;
  error: string | null;
  /** Whether trying again may work (a limit, a busy server, a lost connection). */
  retryable: boolean;
  /** The stored file, once done. */
  attachment: Attachment | null;
  /** When it is tried again by itself (epoch ms), or null. */
  retryAt: number | null;
  /** Automatic tries made since the user last chose it or pressed Retry. */
  autoRetries: number;
}

/** Whether the refusal is "not now": the same upload may be taken a little later (tried again by itself). */
export function retriesByItself(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 429 || error.status === 503);
}

/** The wait before automatic try `attempt` (1, 2, …): the server's Retry-After, else 2, 4, 8, 16 s, at most 30 s. */
export function retryDelayMs(error: ApiError, attempt: number): number {
  if (error.retryAfterSeconds) return error.retryAfterSeconds * 1000;
  return Math.min(RETRY_CAP_MS, 2000 * 2 ** (attempt - 1));
}

/** What the user reads when a file was refused (docs/rest-api.md, "Files"); `retrying`: it will be tried again by itself (the countdown says when). */
export function uploadErrorText(error: unknown, name: string, retrying = false): string {
  if (retrying && error instanceof ApiError) return error.status === 429 ? 'Too many uploads at once.' : 'The server is busy.';
  if (!(error instanceof ApiError)) return `“${name}” could not be uploaded.`;
  switch (error.status) {
    case 0:
      return `“${name}” could not be uploaded: the server cannot be reached. Try again.`;
    case 413: {
      const max = /at most (\d+) bytes/.exec(error.detail ?? '');
      return max ? `“${name}” is too large: the limit is ${fileSize(Number(max[1]))}.` : `“${name}” is too large for the server.`;
    }
    case 429:
      return `Too many uploads at once: try again${error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : ' in a moment'}.`;
    case 503:
      return 'The server is busy: try again in a moment.';
    case 404:
      return 'This conversation is no longer yours: the file was not uploaded.';
    case 400:
      return `“${name}” was refused: ${error.detail ?? 'the server does not take it'}.`;
    default:
      return `“${name}” could not be uploaded: ${error.message}`;
  }
}

function retryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status === 503 || error.status >= 500);
}

export const useUploadsStore = defineStore('uploads', () => {
  const uploads = ref<Upload[]>([]);
  /** Not reactive: the files (for a retry) and the requests in flight (for a cancel). */
  const files = new Map<string, File>();
  const controllers = new Map<string, AbortController>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let transport: UploadTransport = xhrUpload;

  /** Tests hand in their own transport. */
  function configure(next: UploadTransport): void {
    transport = next;
  }

  function find(key: string): Upload | undefined {
    return uploads.value.find((u) => u.key === key);
  }

  /** Starts uploading each file into the conversation (an empty one is refused here, without a request). */
  function add(conversationId: string, list: Iterable<File>): Upload[] {
    const added: Upload[] = [];
    for (const file of list) {
      const upload: Upload = {
        key: uuid(),
        conversationId,
        name: file.name || 'file',
        size: file.size,
        loaded: 0,
        state: 'uploading',
        error: null,
        retryable: false,
        attachment: null,
        retryAt: null,
        autoRetries: 0,
      };
      uploads.value.push(upload);
      added.push(find(upload.key)!);
      if (file.size === 0) {
        fail(upload.key, `“${upload.name}” is empty: there is nothing to send.`, false);
        continue;
      }
      files.set(upload.key, file);
      void start(upload.key);
    }
    return added;
  }

  function fail(key: string, error: string, canRetry: boolean): void {
    const u = find(key);
    if (!u) return;
    u.state = 'failed';
    u.error = error;
    u.retryable = canRetry;
  }

  function stopTimer(key: string): void {
    clearTimeout(timers.get(key));
    timers.delete(key);
    const u = find(key);
    if (u) u.retryAt = null;
  }

  /** Refused for now: tried again by itself after a while, unless it has been tried enough. */
  function retryLater(key: string, error: ApiError): boolean {
    const u = find(key);
    if (!u || u.autoRetries >= AUTO_RETRIES) return false;
    const ms = retryDelayMs(error, u.autoRetries + 1);
    u.retryAt = Date.now() + ms;
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        const now = find(key);
        if (now?.state !== 'failed') return;
        now.autoRetries += 1;
        void start(key);
      }, ms),
    );
    return true;
  }

  async function start(key: string): Promise<void> {
    const u = find(key);
    const file = files.get(key);
    if (!u || !file) return;
    stopTimer(key);
    const controller = new AbortController();
    controllers.set(key, controller);
    Object.assign(u, { state: 'uploading', error: null, retryable: false, loaded: 0 });
    try {
      const stored = await transport({
        conversationId: u.conversationId,
        file,
        signal: controller.signal,
        onProgress: (loaded) => {
          const now = find(key);
          if (now) now.loaded = Math.min(loaded, now.size);
        },
      });
      const now = find(key);
      if (!now || controller.signal.aborted) return;
      now.state = 'done';
      now.loaded = now.size;
      now.attachment = { id: stored.id, name: stored.name, size: stored.size, contentType: stored.contentType, url: stored.url };
      files.delete(key);
    } catch (e) {
      if (controller.signal.aborted) return; // cancelled: already gone
      const later = retriesByItself(e) && retryLater(key, e);
      fail(key, uploadErrorText(e, u.name, later), retryable(e));
    } finally {
      if (controllers.get(key) === controller) controllers.delete(key);
    }
  }

  /** Cancel (uploading) or remove (done, failed): the request is aborted and the file is gone from the composer. */
  function remove(key: string): void {
    stopTimer(key);
    controllers.get(key)?.abort();
    controllers.delete(key);
    files.delete(key);
    uploads.value = uploads.value.filter((u) => u.key !== key);
  }

  /** The user's Retry of a failed upload that may work later: at once, with the same file (and a new round of automatic tries). */
  function retry(key: string): void {
    const u = find(key);
    if (u?.state !== 'failed' || !u.retryable || !files.has(key)) return;
    u.autoRetries = 0;
    void start(key);
  }

  function forConversation(conversationId: string): Upload[] {
    return uploads.value.filter((u) => u.conversationId === conversationId);
  }

  /** The stored files waiting to be sent in the conversation. */
  function ready(conversationId: string): Attachment[] {
    return forConversation(conversationId)
      .filter((u) => u.state === 'done' && u.attachment)
      .map((u) => u.attachment!);
  }

  function busy(conversationId: string): boolean {
    return forConversation(conversationId).some((u) => u.state === 'uploading');
  }

  /** The message naming them is on its way: the finished files leave the composer (failed ones stay, with their errors). */
  function take(conversationId: string): Attachment[] {
    const taken = ready(conversationId);
    const ids = new Set(taken.map((a) => a.id));
    uploads.value = uploads.value.filter((u) => !(u.attachment && ids.has(u.attachment.id)));
    return taken;
  }

  function reset(): void {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    for (const c of controllers.values()) c.abort();
    controllers.clear();
    files.clear();
    uploads.value = [];
  }

  return { uploads, configure, add, remove, retry, forConversation, ready, busy, take, reset };
});
