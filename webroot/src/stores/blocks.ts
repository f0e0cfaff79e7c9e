// Whom the user has blocked (GET/PUT/DELETE /api/blocks): a blocked person cannot start a
// conversation with the user, cannot write to them in a conversation of two, and does not see
// their presence. Loaded when the real-time side starts; changed from a conversation's menu.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '@/services/api';
import { errorText } from '@/util/format';
import type { Account } from '@/types/contract';

export const useBlocksStore = defineStore('blocks', () => {
  const blocked = ref<Record<string, Account>>({});
  const loaded = ref(false);
  /** Why the list could not be loaded (shown by BlockedList), or null. */
  const loadError = ref<string | null>(null);

  /** Loads the list; a failure is kept in loadError. */
  async function load(): Promise<void> {
    try {
      const list = await api.blocks();
      blocked.value = Object.fromEntries(list.map((a) => [a.id, { id: a.id, username: a.username, displayName: a.displayName }]));
      loaded.value = true;
      loadError.value = null;
    } catch (e) {
      loadError.value = errorText(e);
    }
  }

  function isBlocked(userId: string): boolean {
    return userId in blocked.value;
  }

  async function block(account: Account): Promise<void> {
    await api.block(account.id);
    blocked.value[account.id] = { id: account.id, username: account.username, displayName: account.displayName };
  }

  async function unblock(userId: string): Promise<void> {
    await api.unblock(userId);
    delete blocked.value[userId];
  }

  function reset(): void {
    blocked.value = {};
    loaded.value = false;
    loadError.value = null;
  }

  return { blocked, loaded, loadError, load, isBlocked, block, unblock, reset };
});
