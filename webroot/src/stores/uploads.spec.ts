import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { ApiError } from '@/services/api';
import type { UploadRequest } from '@/services/upload';
import { retryDelayMs, uploadErrorText, useUploadsStore } from '@/stores/uploads';
import { CONV } from '@/test/fakes';
import type { UploadedFile } from '@/types/contract';

/** A transport whose uploads the test drives: progress, then answer or refuse; an abort rejects as XHR's does. */
function fakeTransport() {
  const calls: Array<{ request: UploadRequest; resolve: (f: UploadedFile) => void; reject: (e: unknown) => void; aborted: boolean }> = [];
  const transport = (request: UploadRequest) =>
    new Promise<UploadedFile>((resolve, reject) => {
      const call = { request, resolve, reject, aborted: false };
      calls.push(call);
      request.signal.addEventListener('abort', () => {
        call.aborted = true;
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  return { calls, transport };
}

const stored = (id: string, name: string, size: number): UploadedFile => ({
  id,
  name,
  size,
  contentType: 'text/plain',
  sha256: '0'.repeat(64),
  url: `/api/attachments/${id}?exp=1&sig=x`,
});

const file = (name: string, bytes: number, type = 'text/plain') => new File([new Uint8Array(bytes)], name, { type });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('uploads', () => {
  let uploads: ReturnType<typeof useUploadsStore>;
  let fake: ReturnType<typeof fakeTransport>;

  beforeEach(() => {
    setActivePinia(createPinia());
    uploads = useUploadsStore();
    fake = fakeTransport();
    uploads.configure(fake.transport);
  });

  it('shows progress, then the stored file waits to be sent; take() hands it over once', async () => {
    const [u] = uploads.add(CONV, [file('notes.txt', 1000)]);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].request.conversationId).toBe(CONV);
    expect(uploads.busy(CONV)).toBe(true);
    fake.calls[0].request.onProgress(400, 1000);
    expect(uploads.forConversation(CONV)[0].loaded).toBe(400);
    fake.calls[0].resolve(stored('f1', 'notes.txt', 1000));
    await flush();
    expect(uploads.forConversation(CONV)[0]).toMatchObject({ key: u.key, state: 'done', loaded: 1000, error: null });
    expect(uploads.busy(CONV)).toBe(false);
    expect(uploads.ready(CONV).map((a) => a.id)).toEqual(['f1']);
    expect(uploads.take(CONV).map((a) => a.id)).toEqual(['f1']);
    expect(uploads.forConversation(CONV)).toEqual([]);
    expect(uploads.take(CONV)).toEqual([]);
  });

  it('cancel aborts the request and the file is gone: nothing is ready to send', async () => {
    const [u] = uploads.add(CONV, [file('big.bin', 5000)]);
    fake.calls[0].request.onProgress(1000, 5000);
    uploads.remove(u.key);
    expect(fake.calls[0].aborted).toBe(true);
    await flush();
    expect(uploads.forConversation(CONV)).toEqual([]);
    expect(uploads.ready(CONV)).toEqual([]);
    // an answer that still came (the server had it all) does not bring it back
    fake.calls[0].resolve(stored('late', 'big.bin', 5000));
    await flush();
    expect(uploads.forConversation(CONV)).toEqual([]);
  });

  it('an empty file is refused without a request', () => {
    const [u] = uploads.add(CONV, [file('empty.txt', 0)]);
    expect(fake.calls).toHaveLength(0);
    expect(uploads.forConversation(CONV)[0]).toMatchObject({ key: u.key, state: 'failed' });
    expect(u.error).toBe('“empty.txt” is empty: there is nothing to send.');
  });

  it('a refused file shows why, per file, and is never ready; the others go on', async () => {
    uploads.add(CONV, [file('huge.bin', 3000), file('ok.txt', 10)]);
    fake.calls[0].reject(new ApiError(413, { status: 413, detail: 'a file may have at most 1048576 bytes' }));
    fake.calls[1].resolve(stored('ok', 'ok.txt', 10));
    await flush();
    const [huge, ok] = uploads.forConversation(CONV);
    expect(huge).toMatchObject({ state: 'failed', error: '“huge.bin” is too large: the limit is 1 MB.', retryable: false });
    expect(ok.state).toBe('done');
    expect(uploads.ready(CONV).map((a) => a.id)).toEqual(['ok']);
  });

  it('a limit or a busy server may be tried again at once, with the same file', async () => {
    const [u] = uploads.add(CONV, [file('a.txt', 10)]);
    fake.calls[0].reject(new ApiError(503, { status: 503, title: 'Service Unavailable' }, 1));
    await flush();
    expect(uploads.forConversation(CONV)[0]).toMatchObject({ state: 'failed', error: 'The server is busy.', retryable: true });
    uploads.retry(u.key);
    expect(uploads.forConversation(CONV)[0].retryAt).toBeNull();
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1].request.file.name).toBe('a.txt');
    fake.calls[1].resolve(stored('a', 'a.txt', 10));
    await flush();
    expect(uploads.ready(CONV).map((a) => a.id)).toEqual(['a']);
  });

  describe('automatic retries', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('429 with Retry-After: tried again by itself after that many seconds, then stored', async () => {
      const [u] = uploads.add(CONV, [file('a.txt', 10)]);
      const t0 = Date.now();
      fake.calls[0].reject(new ApiError(429, { status: 429 }, 3));
      await vi.advanceTimersByTimeAsync(0);
      expect(uploads.forConversation(CONV)[0]).toMatchObject({ state: 'failed', error: 'Too many uploads at once.', retryAt: t0 + 3000, retryable: true });
      await vi.advanceTimersByTimeAsync(2_999);
      expect(fake.calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.calls).toHaveLength(2);
      expect(uploads.forConversation(CONV)[0]).toMatchObject({ state: 'uploading', retryAt: null, autoRetries: 1 });
      fake.calls[1].resolve(stored('a', 'a.txt', 10));
      await vi.advanceTimersByTimeAsync(0);
      expect(uploads.ready(CONV).map((a) => a.id)).toEqual(['a']);
      expect(u.key).toBe(uploads.forConversation(CONV)[0].key);
    });

    it('503 without Retry-After: 2, 4, 8, 16, 30 s between the tries, then it waits for the user, who may start again', async () => {
      const [u] = uploads.add(CONV, [file('a.txt', 10)]);
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        fake.calls[i].reject(new ApiError(503, { status: 503 }));
        await vi.advanceTimersByTimeAsync(0);
        const now = uploads.forConversation(CONV)[0];
        if (now.retryAt === null) break;
        waits.push(now.retryAt - Date.now());
        await vi.advanceTimersByTimeAsync(now.retryAt - Date.now());
      }
      expect(waits).toEqual([2000, 4000, 8000, 16000, 30000]);
      expect(fake.calls).toHaveLength(6);
      expect(uploads.forConversation(CONV)[0]).toMatchObject({ state: 'failed', error: 'The server is busy: try again in a moment.', retryAt: null, retryable: true });
      await vi.advanceTimersByTimeAsync(120_000);
      expect(fake.calls).toHaveLength(6);
      uploads.retry(u.key);
      expect(fake.calls).toHaveLength(7);
      fake.calls[6].reject(new ApiError(503, { status: 503 }));
      await vi.advanceTimersByTimeAsync(0);
      expect(uploads.forConversation(CONV)[0].retryAt! - Date.now()).toBe(2000);
    });

    it('400, 404 and 413 are not tried again; a file given up while it waits is not tried again either', async () => {
      uploads.add(CONV, [file('a.bin', 10), file('b.bin', 10), file('c.bin', 10), file('d.bin', 10)]);
      fake.calls[0].reject(new ApiError(400, { status: 400, detail: 'bad' }));
      fake.calls[1].reject(new ApiError(404, { status: 404 }));
      fake.calls[2].reject(new ApiError(413, { status: 413 }));
      fake.calls[3].reject(new ApiError(429, { status: 429 }, 1));
      await vi.advanceTimersByTimeAsync(0);
      expect(uploads.forConversation(CONV).map((x) => x.retryAt === null)).toEqual([true, true, true, false]);
      uploads.remove(uploads.forConversation(CONV)[3].key);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.calls).toHaveLength(4);
    });

    it('the waits: the server\'s Retry-After when given, else doubling from 2 s up to 30 s', () => {
      expect(retryDelayMs(new ApiError(429, {}, 7), 1)).toBe(7000);
      expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(new ApiError(503, {}), n))).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
    });
  });

  it('maps each refusal to a clear message', () => {
    expect(uploadErrorText(new ApiError(413, {}), 'x.bin')).toBe('“x.bin” is too large for the server.');
    expect(uploadErrorText(new ApiError(413, { detail: 'a file may have at most 10485760 bytes' }), 'x.bin')).toBe('“x.bin” is too large: the limit is 10 MB.');
    expect(uploadErrorText(new ApiError(429, {}, 2), 'x')).toBe('Too many uploads at once: try again in 2 s.');
    expect(uploadErrorText(new ApiError(503, {}, 1), 'x')).toBe('The server is busy: try again in a moment.');
    expect(uploadErrorText(new ApiError(400, { detail: 'an empty file' }), 'x')).toBe('“x” was refused: an empty file.');
    expect(uploadErrorText(new ApiError(0, {}), 'x')).toBe('“x” could not be uploaded: the server cannot be reached. Try again.');
  });
});
