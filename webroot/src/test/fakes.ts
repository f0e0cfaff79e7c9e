// Test doubles: a bridge connection whose requests and events the test drives, and messages.
import { BusError, NotConnectedError, type Bus, type CloseListener } from '@/services/eventBus';
import type { ConversationSummary, Message } from '@/types/contract';

type Handler = (body: unknown) => unknown | Promise<unknown>;

export class FakeBus implements Bus {
  isOpen = true;
  readonly requests: Array<{ address: string; body: any }> = [];
  readonly subscriptions = new Map<string, (body: unknown) => void>();
  /** What went out, in order: `register <address>` and `send <address>`. */
  readonly frames: string[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly closeListeners: CloseListener[] = [];

  /** How requests to an address are answered (throw a BusError to refuse). */
  on(address: string, handler: Handler): this {
    this.handlers.set(address, handler);
    return this;
  }

  async request<T>(address: string, body: unknown): Promise<T> {
    if (!this.isOpen) throw new NotConnectedError();
    this.requests.push({ address, body });
    this.frames.push(`send ${address}`);
    const handler = this.handlers.get(address);
    return (handler ? await handler(body) : {}) as T;
  }

  subscribe(address: string, onEvent: (body: unknown) => void): () => void {
    this.subscriptions.set(address, onEvent);
    this.frames.push(`register ${address}`);
    return () => this.subscriptions.delete(address);
  }

  /** Delivers an event as the server would. */
  emit(address: string, body: unknown): void {
    this.subscriptions.get(address)?.(body);
  }

  onClose(listener: CloseListener): void {
    this.closeListeners.push(listener);
  }

  /** The server went away. */
  drop(reason = 'gone', final = false, reconnectInMs?: number): void {
    this.isOpen = false;
    for (const l of this.closeListeners.splice(0)) l(reason, final, reconnectInMs);
  }

  close(): void {
    this.drop('closed by the client');
  }

  sent(address: string): any[] {
    return this.requests.filter((r) => r.address === address).map((r) => r.body);
  }
}

export function refused(code: string, detail: string, failureCode = 400): BusError {
  return new BusError({ failureCode, failureType: 'RECIPIENT_FAILURE', message: `${code}: ${detail}` });
}

export const CONV = '11111111-1111-4111-8111-111111111111';
export const ME = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
export const OTHER = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

export function msg(seq: number, senderId = OTHER, extra: Partial<Message> = {}): Message {
  return {
    id: `m-${seq}`,
    conversationId: CONV,
    seq,
    senderId,
    senderDisplayName: senderId === ME ? 'Me' : 'Other',
    content: `message ${seq}`,
    sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    clientMessageId: `c-${seq}`,
    ...extra,
  };
}

/** CONV as the conversation list shows it: ME and OTHER, nothing sent yet, unless `extra` says otherwise. */
export function summary(extra: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: CONV,
    title: null,
    participants: [
      { id: ME, username: 'me', displayName: 'Me' },
      { id: OTHER, username: 'other', displayName: 'Other' },
    ],
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeq: 0,
    lastMessage: null,
    unreadCount: 0,
    ...extra,
  };
}

/** Lets queued promise callbacks run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
