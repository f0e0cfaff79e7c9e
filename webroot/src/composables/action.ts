// A user action that waits for the server (log in, accept, leave, unblock…): one at a time, its
// buttons disabled meanwhile, and what went wrong shown to the user.
import { ref } from 'vue';
import { errorText } from '@/util/format';

export function useAction() {
  /** The key of the action under way (what its buttons compare with), or null. */
  const busy = ref<string | null>(null);
  /** Why the last action failed, or null. */
  const error = ref<string | null>(null);

  /** Runs `action` unless one is under way; false when it did not run or failed. */
  async function run(action: () => Promise<void>, key = 'busy'): Promise<boolean> {
    if (busy.value !== null) return false;
    busy.value = key;
    error.value = null;
    try {
      await action();
      return true;
    } catch (e) {
      error.value = errorText(e);
      return false;
    } finally {
      busy.value = null;
    }
  }

  return { busy, error, run };
}
