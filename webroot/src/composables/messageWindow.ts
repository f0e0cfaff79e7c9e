// MessagesView's side of a thread that may be a window into the past (stores/messages: loadAround,
// loadNewer, jumpToLatest): opening it around a search result (stores/search), scrolled to that
// message and highlighted for a moment; the next page when scrolled to the bottom of the window;
// "Jump to latest". While the view places itself, new rows do not scroll it to the bottom.
import { nextTick, watch, type Ref } from 'vue';
import { useMessagesStore } from '@/stores/messages';
import { useSearchStore } from '@/stores/search';

/** How long a message jumped to (a search result, a quoted original) stays highlighted. */
export const HIGHLIGHT_MS = 2500;
const NEAR_PX = 80;

export interface WindowHooks {
  conversationId: string;
  scroller: Ref<HTMLElement | null>;
  /** The view moved (measure whether it is at the bottom). */
  moved: () => void;
  /** The thread is at the latest page: scroll to the bottom, nothing new below. */
  atLatest: () => void;
  /** Scrolls to a loaded message, focuses and highlights it (false: not loaded). */
  show: (seq: number) => boolean;
}

export function useMessageWindow(hooks: WindowHooks) {
  const messages = useMessagesStore();
  const search = useSearchStore();
  let holding = false;

  async function hold(task: () => Promise<void>): Promise<void> {
    holding = true;
    try {
      await task();
    } finally {
      await nextTick();
      holding = false;
    }
  }

  /** Opens the thread around seq, scrolls to that message and highlights it for a moment. */
  function showSeq(seq: number): Promise<void> {
    return hold(async () => {
      await messages.loadAround(hooks.conversationId, seq);
      await nextTick();
      hooks.show(seq);
    });
  }

  /** The search result to show here, if any (taken: it is shown once). */
  function takeFocus(): number | null {
    const f = search.focus;
    if (!f || f.conversationId !== hooks.conversationId) return null;
    search.focus = null;
    return f.seq;
  }

  // a result of the conversation already open
  watch(
    () => search.focus,
    () => {
      const seq = takeFocus();
      if (seq !== null) void showSeq(seq);
    },
  );

  /** Leaves the window into the past for the newest messages, at the bottom. */
  function jumpToLatest(): Promise<void> {
    return hold(async () => {
      await messages.jumpToLatest(hooks.conversationId);
      await nextTick();
      hooks.atLatest();
    });
  }

  /** The page after the window (what the user reads stays where it is). */
  function loadNewer(): Promise<void> {
    const t = messages.threads[hooks.conversationId];
    if (!t?.hasNewer || t.loadingNewer) return Promise.resolve();
    return hold(async () => {
      await messages.loadNewer(hooks.conversationId);
    });
  }

  /** On scroll: near the bottom of a window into the past, the next page. */
  function scrolled(): void {
    const el = hooks.scroller.value;
    if (el && messages.threads[hooks.conversationId]?.hasNewer && el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_PX) void loadNewer();
  }

  return { holding: () => holding, showSeq, takeFocus, jumpToLatest, loadNewer, scrolled };
}
