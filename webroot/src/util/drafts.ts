// What the user was writing, per account and conversation, kept in localStorage: a session that
// ends (or a reload) does not lose a draft. Logging out forgets the account's drafts.
const PREFIX = 'thrume.draft.';

function key(accountId: string, conversationId: string): string {
  return `${PREFIX}${accountId}.${conversationId}`;
}

export function loadDraft(accountId: string | null | undefined, conversationId: string): string {
  if (!accountId) return '';
  try {
    return localStorage.getItem(key(accountId, conversationId)) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(accountId: string | null | undefined, conversationId: string, text: string): void {
  if (!accountId) return;
  try {
    if (text) localStorage.setItem(key(accountId, conversationId), text);
    else localStorage.removeItem(key(accountId, conversationId));
  } catch {
    // storage full or refused: the draft lives in the page only
  }
}

export function forgetDrafts(accountId: string): void {
  const mine = `${PREFIX}${accountId}.`;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i);
    if (k?.startsWith(mine)) localStorage.removeItem(k);
  }
}
