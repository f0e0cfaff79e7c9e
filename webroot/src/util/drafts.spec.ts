import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { forgetDrafts, useDraft } from '@/util/drafts';

describe('drafts', () => {
  beforeEach(() => localStorage.clear());

  it('are kept per account and conversation as they change, and an emptied draft is removed', async () => {
    const draft = useDraft('a1', 'c1');
    expect(draft.value).toBe('');
    draft.value = 'half a thought';
    await nextTick();
    expect(localStorage.getItem('thrume.draft.a1.c1')).toBe('half a thought');
    expect(useDraft('a1', 'c1').value).toBe('half a thought');
    expect(useDraft('a2', 'c1').value).toBe('');
    expect(useDraft('a1', 'c2').value).toBe('');
    draft.value = '';
    await nextTick();
    expect(localStorage.getItem('thrume.draft.a1.c1')).toBeNull();
  });

  it('without an account are kept nowhere', async () => {
    const draft = useDraft(null, 'c1');
    draft.value = 'lost on reload';
    await nextTick();
    expect(localStorage.length).toBe(0);
  });

  it('are forgotten for one account only', () => {
    localStorage.setItem('thrume.draft.a1.c1', 'one');
    localStorage.setItem('thrume.draft.a1.c2', 'two');
    localStorage.setItem('thrume.draft.a2.c1', 'other account');
    forgetDrafts('a1');
    expect(useDraft('a1', 'c1').value).toBe('');
    expect(useDraft('a2', 'c1').value).toBe('other account');
  });
});
