import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { ApiError } from '@/services/api';
import type { UploadRequest } from '@/services/upload';
import { uploadErrorText, useUploadsStore } from '@/stores/uploads';
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

  it('a limit or a busy server may be tried again, with the same file', async () => {
    const [u] = uploads.add(CONV, [file('a.txt', 10)]);
    fake.calls[0].reject(new ApiError(503, { status: 503, title: 'Service Unavailable' }, 1));
    await flush();
    expect(uploads.forConversation(CONV)[0]).toMatchObject({ state: 'failed', error: 'The server is busy: try again in a moment.', retryable: true });
    uploads.retry(u.key);
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1].request.file.name).toBe('a.txt');
    fake.calls[1].resolve(stored('a', 'a.txt', 10));
    await flush();
    expect(uploads.ready(CONV).map((a) => a.id)).toEqual(['a']);
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
