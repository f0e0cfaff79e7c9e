// Message search (MessageSearch in the sidebar): which result the user opened, so that the
// conversation's MessagesView opens around it (stores/messages loadAround) and highlights it; and
// whether the search was asked for while a conversation is open. On a phone-width screen the list
// (with the search at its top) is hidden while a conversation is open: asked for (the header's
// search button, Ctrl+K, "/"), it shows in the conversation's place until a result is opened or the
// user goes back (ChatView's `searching`).
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface SearchFocus {
  conversationId: string;
  seq: number;
}

export const useSearchStore = defineStore('search', () => {
  /** The result to show; MessagesView takes it (and sets it back to null). */
  const focus = ref<SearchFocus | null>(null);

  /** The search is asked for (on a phone: shown instead of the open conversation). */
  const revealed = ref(false);

  function show(conversationId: string, seq: number): void {
    focus.value = { conversationId, seq };
  }

  function reveal(): void {
    revealed.value = true;
  }

  function hide(): void {
    revealed.value = false;
  }

  return { focus, show, revealed, reveal, hide };
});
