import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, configureApi } from '@/services/api';
import { xhrUpload } from '@/services/upload';

/** An XMLHttpRequest double: records what is sent, the test answers. */
class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  statusText = '';
  responseText = '';
  responseHeaders: Record<string, string> = {};
  aborted = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name] ?? null;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  answer(status: number, json: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseText = JSON.stringify(json);
    this.responseHeaders = headers;
    this.onload?.();
  }
}

const stored = { id: 'f1', name: 'a b.txt', size: 3, contentType: 'text/plain', sha256: 'x', url: '/api/attachments/f1?exp=1&sig=s' };
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('xhrUpload', () => {
  let token: string;
  const renew = vi.fn();
  const unauthorized = vi.fn();

  beforeEach(() => {
    FakeXhr.all = [];
    token = 'old';
    renew.mockReset().mockImplementation(async () => {
      token = 'new';
      return true;
    });
    unauthorized.mockReset();
    configureApi({ token: () => token, renew, unauthorized });
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
  });
  afterEach(() => vi.unstubAllGlobals());

  const request = (onProgress = vi.fn(), signal = new AbortController().signal) => ({
    conversationId: 'c/1',
    file: new File(['abc'], 'a b.txt', { type: 'text/plain' }),
    onProgress,
    signal,
  });

  it('sends the raw file with its type, a percent-encoded name and the bearer; progress is reported', async () => {
    const onProgress = vi.fn();
    const done = xhrUpload(request(onProgress));
    const xhr = FakeXhr.all[0];
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/conversations/c%2F1/attachments');
    expect(xhr.headers).toMatchObject({ 'Content-Type': 'text/plain', 'X-Filename': 'a%20b.txt', Authorization: 'Bearer old' });
    expect(xhr.body).toBeInstanceOf(File);
    xhr.upload.onprogress!({ loaded: 2, total: 3, lengthComputable: true });
    expect(onProgress).toHaveBeenCalledWith(2, 3);
    xhr.answer(201, stored);
    await expect(done).resolves.toEqual(stored);
  });

  it('a 401 renews the token through the API and tries once more with the new one', async () => {
    const done = xhrUpload(request());
    FakeXhr.all[0].answer(401, { status: 401, title: 'Unauthorized' });
    await settle();
    expect(renew).toHaveBeenCalledWith('old');
    const again = FakeXhr.all[1];
    expect(again.headers.Authorization).toBe('Bearer new');
    again.answer(201, stored);
    await expect(done).resolves.toEqual(stored);
  });

  it('a 401 when the session has ended logs out', async () => {
    renew.mockResolvedValue(false);
    const done = xhrUpload(request());
    FakeXhr.all[0].answer(401, { status: 401 });
    await expect(done).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toHaveBeenCalled();
    expect(FakeXhr.all).toHaveLength(1);
  });

  it('a refusal is an ApiError with the problem and Retry-After; an abort is an AbortError', async () => {
    const refused = xhrUpload(request());
    FakeXhr.all[0].answer(429, { status: 429, detail: 'too many' }, { 'Retry-After': '3' });
    const error = await refused.catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, detail: 'too many', retryAfterSeconds: 3 });

    const controller = new AbortController();
    const cancelled = xhrUpload(request(vi.fn(), controller.signal));
    controller.abort();
    expect(FakeXhr.all[1].aborted).toBe(true);
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
  });
});
