// The unread total (the tab's title) and desktop notifications: only someone else's live message,
// only while the page is hidden, only once the user allowed it, not a repeat of a seq held already.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useAttentionStore } from '@/stores/attention';
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import { useReadingStore } from '@/stores/reading';
import { CONV, ME, msg, summary } from '@/test/fakes';

const shown: Array<{ title: string; body?: string; tag?: string }> = [];
let permission = 'granted';

class FakeNotification {
  static get permission() {
    return permission;
  }
  static requestPermission = vi.fn(async () => 'granted');
  onclick: (() => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(title: string, options: NotificationOptions) {
    shown.push({ title, body: options.body, tag: options.tag });
  }
  close(): void {}
}

describe('attention', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    shown.length = 0;
    permission = 'granted';
    vi.stubGlobal('Notification', FakeNotification);
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: { id: ME, username: 'me', displayName: 'Me' } };
    useConversationListStore().upsertConversation(summary());
  });

  afterEach(() => vi.unstubAllGlobals());

  it('counts the unread messages of the whole list', () => {
    const list = useConversationListStore();
    list.upsertConversation({ ...list.summaries[CONV], id: 'other-conv', unreadCount: 4 });
    useMessagesStore().receive(CONV, msg(1));
    useMessagesStore().receive(CONV, msg(2));
    expect(useAttentionStore().unreadTotal).toBe(6);
  });

  it('notifies a message from someone else while the page is hidden, once per seq; never while visible or for own messages', () => {
    const messages = useMessagesStore();
    messages.receive(CONV, msg(1));
    expect(shown).toEqual([]); // visible
    useReadingStore().setVisible(false);
    messages.receive(CONV, msg(2));
    messages.receive(CONV, msg(2)); // a repeat publish
    messages.receive(CONV, msg(3, ME));
    expect(shown).toEqual([{ title: 'Other', body: 'message 2', tag: CONV }]);
  });

  it('asks nothing and shows nothing until the user allows it', async () => {
    permission = 'default';
    const attention = useAttentionStore();
    expect(attention.permission).toBe('default');
    useReadingStore().setVisible(false);
    useMessagesStore().receive(CONV, msg(1));
    expect(shown).toEqual([]);
    expect(attention.offer).toBe(true);
    await attention.enable();
    expect(FakeNotification.requestPermission).toHaveBeenCalledOnce();
    expect(attention.permission).toBe('granted');
    expect(attention.offer).toBe(false);
  });

  it('"Not now" takes the offer away on this device', () => {
    permission = 'default';
    localStorage.clear();
    const attention = useAttentionStore();
    expect(attention.offer).toBe(true);
    attention.decline();
    expect(attention.offer).toBe(false);
    expect(localStorage.getItem('thrume.notifications.declined')).toBe('true');
  });
});
