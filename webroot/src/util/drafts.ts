// What the user was writing, per account and conversation, kept in localStorage: a session that
// ends (or a reload) does not lose a draft. Logging out forgets the account's drafts.
import { computed, ref, type Ref } from 'vue';
import { useLocalStorage } from '@vueuse/core';

const PREFIX = 'thrume.draft.';

function key(accountId: string, conversationId: string): string {
  return `${PREFIX}${accountId}.${conversationId}`;
}

/** The draft of one conversation, kept as it changes; an empty draft is removed. Without an account, kept nowhere. */
export function useDraft(accountId: string | null | undefined, conversationId: string): Ref<string> {
  if (!accountId) return ref('');
  const kept = useLocalStorage<string | null>(key(accountId, conversationId), null, {
    // another tab's composer does not move this one's text
    listenToStorageChanges: false,
    writeDefaults: false,
    // storage full or refused: the draft lives in the page only
    onError: () => {},
  });
  return computed({
    get: () => kept.value ?? '',
    set: (text) => {
      kept.value = text || null;
    },
  });
}

/** Forgets every draft of the account (VueUse has no removal by key prefix). */
export function forgetDrafts(accountId: string): void {
  const mine = `${PREFIX}${accountId}.`;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i);
    if (k?.startsWith(mine)) localStorage.removeItem(k);
  }
}
