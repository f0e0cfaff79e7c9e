// The real-time side of one logged-in session: wires the stores to the bridge. On every
// (re)connection it registers user.<me> and every conversation.<id> of the list (the connection
// store re-registers what is wanted), views the open conversation and watches whom the screen
// shows (stores/live.ts), announces presence, refreshes the list, runs chat.sync from the last seq
// known per conversation, and sends what the outbox holds. It also follows the page's visibility
// (presence away/online, read receipts) and the browser coming back online.
//
// One RealtimeSession per login: App.vue creates it when a session starts and stops it when the
// session ends; stop() forgets every store's state. Nothing is kept at module level.
import { effectScope, watch, type EffectScope } from 'vue';
import { useDocumentVisibility, useOnline } from '@vueuse/core';
import { BusConnection, logUnlessOffline } from '@/services/eventBus';
import { onConversationEvent, onUserEvent } from '@/services/dispatch';
import { useAttentionStore } from '@/stores/attention';
import { useBlocksStore } from '@/stores/blocks';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { useLiveStore } from '@/stores/live';
import { useMessageActionsStore } from '@/stores/messageActions';
import { useMessagesStore } from '@/stores/messages';
import { useOutboxStore } from '@/stores/outbox';
import { useUploadsStore } from '@/stores/uploads';
import { usePresenceStore } from '@/stores/presence';
import { useReadingStore } from '@/stores/reading';
import { useReceiptsStore } from '@/stores/receipts';
import type { Message } from '@/types/contract';

export class RealtimeSession {
  /** Holds the session's watchers and listeners; stopping it removes them all. */
  private readonly scope: EffectScope = effectScope(true);
  private state: 'new' | 'running' | 'stopped' = 'new';
  /**
   * This socket's chat.sync of the whole list has been asked for: a conversation registered after
   * that (announced by conversation.created, or found by a later list refresh) is synced by itself.
   */
  private listSynced = false;

  /** `me`: the logged-in user's id. */
  constructor(private readonly me: string) {}

  /** Starts connecting and following the stores (once). */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const connection = useConnectionStore();
    const outbox = useOutboxStore();
    const live = useLiveStore();

    outbox.load(this.me);
    outbox.configure({
      canSend: () => connection.isConnected(),
      send: (entry) =>
        connection.request<Message>('chat.send', {
          conversationId: entry.conversationId,
          content: entry.content,
          clientMessageId: entry.clientMessageId,
          ...(entry.attachments?.length ? { attachmentIds: entry.attachments.map((f) => f.id) } : {}),
          ...(entry.replyToSeq !== undefined ? { replyToSeq: entry.replyToSeq } : {}),
        }),
      onSent: (message) => {
        useMessagesStore().ingest(message.conversationId, [message]);
      },
    });
    connection.configure({
      open: () => BusConnection.connect(),
      onOpen: () => this.onOpen(),
      // a 401 for the ticket has logged the user out already (the API's unauthorized hook)
    });
    connection.subscribe(`user.${this.me}`, onUserEvent);
    live.start(onConversationEvent, (ids) => this.onRegistered(ids));
    const visible = this.scope.run(() => {
      // the socket's views and watches end with it
      watch(
        () => connection.status,
        (status) => {
          if (status !== 'Connected') {
            this.listSynced = false;
            live.disconnected();
          }
        },
        { flush: 'sync' },
      );
      const visibility = useDocumentVisibility();
      watch(visibility, (now) => this.onVisibility(now !== 'hidden'), { flush: 'sync' });
      const online = useOnline();
      watch(online, (now) => now && this.onOnline(), { flush: 'sync' });
      return visibility.value !== 'hidden';
    });
    connection.start();
    void useBlocksStore().load();
    useReadingStore().setVisible(visible !== false);
  }

  /** Stops it (logout): closes the socket, forgets every store's state. */
  stop(): void {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.scope.stop();
    useLiveStore().stop();
    useConnectionStore().reset();
    useConversationListStore().reset();
    useMessagesStore().reset();
    useMessageActionsStore().reset();
    useReceiptsStore().reset();
    useReadingStore().reset();
    usePresenceStore().reset();
    useOutboxStore().reset();
    useBlocksStore().reset();
    useAttentionStore().reset();
    useUploadsStore().reset();
  }

  /** Sends presence.update; settles (never fails) when the server has answered it, or the socket is gone. */
  private announcePresence(): Promise<void> {
    return useConnectionStore()
      .request('presence.update', { status: useReadingStore().pageVisible ? 'online' : 'away' })
      .then(
        () => undefined,
        logUnlessOffline('presence.update'),
      );
  }

  /** The list again (a failure stays in listError, shown by the list; the next reconnection or visibility change tries again). */
  private refreshList(): Promise<void> {
    return useConversationListStore()
      .refreshList()
      .catch(() => undefined); // kept in listError by refreshList itself
  }

  private async onOpen(): Promise<void> {
    // views and watches ended with the last socket: view the open conversation, watch who is shown
    useLiveStore().connected();
    // The bridge acts on a socket's frames in the order they were sent, so presence.update's answer
    // means user.<me> (registered before it) is in effect. The list comes over REST, which keeps no
    // such order: asked before that answer, it could be read before a conversation.created that the
    // socket was not yet registered to hear, and that invitation would show only at the next refresh.
    await this.announcePresence();
    // the list first (new conversations, authoritative unread counts), then what was missed
    await this.refreshList();
    // syncAll takes its positions before its first request: what is registered later syncs alone
    this.listSynced = true;
    await useMessagesStore().syncAll();
    void useOutboxStore().flush();
    const reading = useReadingStore();
    if (reading.openId) void reading.markOpenRead();
  }

  /**
   * Conversations just registered on a socket whose list was synced: their chat.sync follows the
   * register on the same socket, so a message stored before the register took effect (the creator's
   * first one, sent as the invitation went out) comes in its answer, and every later one live.
   */
  private onRegistered(conversationIds: string[]): void {
    if (!this.listSynced || !useConnectionStore().isConnected()) return;
    useMessagesStore()
      .syncAll(conversationIds)
      .catch(logUnlessOffline('chat.sync'));
  }

  private onVisibility(visible: boolean): void {
    const connection = useConnectionStore();
    useReadingStore().setVisible(visible);
    if (connection.isConnected()) void this.announcePresence();
    if (visible) {
      useAttentionStore().dismiss();
      connection.wake();
      void this.refreshList();
    }
  }

  private onOnline(): void {
    useConnectionStore().wake();
  }
}
