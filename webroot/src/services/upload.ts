// Uploading a file (POST /api/conversations/{id}/attachments, a raw body: docs/rest-api.md,
// "Files") with XMLHttpRequest, the one browser API that reports upload progress. The bearer is
// the API's (a 401 renews it once, as every REST call does); failures come back as ApiError, the
// user's cancel as an AbortError.
import { ApiError, bearer } from '@/services/api';
import type { Problem, UploadedFile } from '@/types/contract';

export interface UploadRequest {
  conversationId: string;
  file: File;
  onProgress: (loaded: number, total: number) => void;
  signal: AbortSignal;
}

/** Uploads one file; resolves with the stored file, rejects with ApiError or an AbortError DOMException. */
export type UploadTransport = (request: UploadRequest) => Promise<UploadedFile>;

function aborted(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

function once(request: UploadRequest, token: string | null): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const { file, signal } = request;
    if (signal.aborted) {
      reject(aborted());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/conversations/${encodeURIComponent(request.conversationId)}/attachments`);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('X-Filename', encodeURIComponent(file.name));
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => request.onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    const onAbort = () => xhr.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    xhr.onload = () => {
      done();
      let json: unknown = null;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        json = null;
      }
      if (xhr.status === 201 || xhr.status === 200) {
        resolve(json as UploadedFile);
        return;
      }
      const problem: Problem = json && typeof json === 'object' ? (json as Problem) : { title: xhr.statusText };
      const retry = Number(xhr.getResponseHeader('Retry-After'));
      reject(new ApiError(xhr.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined));
    };
    xhr.onerror = () => {
      done();
      reject(new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached.' }));
    };
    xhr.onabort = () => {
      done();
      reject(aborted());
    };
    xhr.send(file);
  });
}

/** The real transport: one upload, tried once more with a renewed token after a 401. */
export const xhrUpload: UploadTransport = async (request) => {
  const token = bearer.token();
  try {
    return await once(request, token);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    if (await bearer.renew(token)) return once(request, bearer.token());
    bearer.unauthorized(e);
    throw e;
  }
};
