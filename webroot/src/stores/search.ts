// Message search (MessageSearch in the sidebar): which result the user opened, so that the
// conversation's MessagesView opens around it (stores/messages loadAround) and highlights it.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface SearchFocus {
  conversationId: string;
  seq: number;
}

export const useSearchStore = defineStore('search', () => {
  /** The result to show; MessagesView takes it (and sets it back to null). */
  const focus = ref<SearchFocus | null>(null);

  function show(conversationId: string, seq: number): void {
    focus.value = { conversationId, seq };
  }

  return { focus, show };
});
