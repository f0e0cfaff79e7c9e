// The people search of "New conversation", for any form that picks accounts (adding people to a
// conversation): what is typed is looked up 200 ms after the last keystroke, only the newest answer
// is shown, and the chosen people are kept apart.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { useDebounceFn } from '@vueuse/core';
import { api } from '@/services/api';
import { errorText } from '@/util/format';
import type { Account } from '@/types/contract';

export function usePeopleSearch(error: Ref<string | null>, exclude: () => ReadonlySet<string> = () => new Set()) {
  const search = ref('');
  const results = ref<Account[]>([]);
  const chosen = ref<Account[]>([]);
  let asked = 0;

  const lookUp = useDebounceFn(async (q: string) => {
    const mine = ++asked;
    try {
      const found = await api.searchAccounts(q);
      if (mine === asked) {
        const out = exclude();
        results.value = found.filter((a) => !out.has(a.id));
        error.value = null;
      }
    } catch (e) {
      if (mine === asked) error.value = errorText(e);
    }
  }, 200);

  watch(search, (text) => {
    lookUp.cancel();
    const q = text.trim();
    if (!q) {
      results.value = [];
      return;
    }
    void lookUp(q);
  });
  onBeforeUnmount(() => lookUp.cancel());

  function choose(a: Account): void {
    if (!chosen.value.some((c) => c.id === a.id)) chosen.value.push(a);
    search.value = '';
    results.value = [];
  }

  function unchoose(a: Account): void {
    chosen.value = chosen.value.filter((c) => c.id !== a.id);
  }

  return { search, results, chosen, choose, unchoose };
}
