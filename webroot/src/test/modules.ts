// Module doubles for vi.mock, shared by the specs that run the real-time side over a FakeBus:
//   vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));
//   vi.mock('@/services/eventBus', (original) => import('@/test/modules').then((m) => m.fakeEventBus(original)));
// (vi.mock is hoisted above the imports, so its factory imports this module itself.) Nothing here
// imports the mocked modules at run time.
import { vi } from 'vitest';
import type * as Api from '@/services/api';
import type * as EventBus from '@/services/eventBus';

/** Where BusConnection.connect() opens: a test sets open to hand out its FakeBus. */
export const bridge = { open: null as null | (() => Promise<unknown>) };

/** services/eventBus with BusConnection.connect() answered by bridge.open. */
export async function fakeEventBus(original: () => Promise<typeof EventBus>) {
  return { ...(await original()), BusConnection: { connect: () => bridge.open!() } };
}

/** services/api with every REST call the stores make as a mock, answered empty unless a test says otherwise. */
export async function fakeApi(original: () => Promise<typeof Api>) {
  return {
    ...(await original()),
    api: {
      listConversations: vi.fn(async () => []),
      messages: vi.fn(async () => ({ messages: [], hasMore: false })),
      markRead: vi.fn(async (conversationId: string, seq: number) => ({ conversationId, readSeq: seq, unreadCount: 0 })),
      getConversation: vi.fn(),
      acceptConversation: vi.fn(),
      leaveConversation: vi.fn(async () => null),
      removeParticipant: vi.fn(async () => null),
      addParticipants: vi.fn(),
      renameConversation: vi.fn(),
      blocks: vi.fn(async () => []),
      block: vi.fn(async () => null),
      unblock: vi.fn(async () => null),
      changes: vi.fn(async () => ({ messages: [], lastChange: 0, hasMore: false })),
      editMessage: vi.fn(),
      deleteMessage: vi.fn(),
      react: vi.fn(),
    },
  };
}
