// The real-time side of a test's login, over the fake bridge of test/modules.ts (under fake timers).
import { expect, vi } from 'vitest';
import { RealtimeSession } from '@/services/realtime';
import { useConnectionStore } from '@/stores/connection';
import { ME, settle } from '@/test/fakes';

/** Starts a RealtimeSession for ME and waits until it is connected and its first sync is done. */
export async function connectedSession(): Promise<RealtimeSession> {
  const session = new RealtimeSession(ME);
  session.start();
  await vi.advanceTimersByTimeAsync(0);
  await settle(30);
  expect(useConnectionStore().status).toBe('Connected');
  return session;
}
