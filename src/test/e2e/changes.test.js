// Message changes in the web client (docs/rest-api.md "Message changes", docs/bridge-protocol.md
// message.updated and chat.sync with changes), two people live in two browsers against a real
// Thrume (target/thrume.jar): a reply with its quote (which jumps to the original, opening the
// conversation around it when it is not loaded), an edit ("(edited)", the quote follows), reactions (counts, who reacted, the
// user's own pressed, taken back), a deletion (tombstone, the list's preview); Bob cut off while
// Alice edits, deletes, reacts and writes, then back with the server's state after one sync;
// nothing offered or changed where it must not be, refusals shown. axe-core on the result.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots go to target/e2e-screenshots/.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Thrume } from '../js/thrume-server.mjs';
import { axeViolations, Browsers, closeSockets, listItem, LIVE_TIMEOUT_MS, messageRow, send, shot, startedAround, TEST_CONFIG, waitUntil } from './support.mjs';

const server = new Thrume(
  { ...TEST_CONFIG, chat: { ...TEST_CONFIG.chat, actionBurst: 100000, actionPerSecond: 100000.0 } },
  'thrume-changes-e2e',
);
const b = new Browsers(server, 'changes');
const ids = {};

startedAround(server, b);

/** The row of the message with this seq. */
const bySeq = (page, seq) => page.locator(`[data-testid="message"][data-seq="${seq}"]`);
const chip = (row, emoji) => row.locator(`[data-testid="reaction-chip"][data-emoji="${emoji}"]`);
const contentOf = (row) => row.getByTestId('message-content').textContent();

/** Clicks one of a message's actions (the toolbar shows on hover). */
async function act(row, action) {
  await row.hover();
  await row.getByTestId(`action-${action}`).click();
}

async function seqOf(page, text) {
  return Number(await messageRow(page, text).getAttribute('data-seq'));
}

describe('message changes', () => {
  b.step('Alice writes; Bob replies with the Reply action: both see the quote live, and clicking it jumps to the original', async () => {
    const alice = await b.person('alice', 'Alice Liddell', { bypassCSP: true });
    const bob = await b.person('bob', 'Bob Builder', { routeSockets: true, bypassCSP: true });
    ids.ab = await b.conversation(alice, [bob]);
    for (const u of [alice, bob]) {
      await u.page.goto(`/c/${ids.ab}`);
      await u.page.getByText('No messages yet. Say hello!').waitFor();
    }
    await send(alice.page, 'Lunch at noon?');
    await messageRow(bob.page, 'Lunch at noon?').waitFor({ timeout: LIVE_TIMEOUT_MS });
    ids.original = await seqOf(bob.page, 'Lunch at noon?');

    await act(messageRow(bob.page, 'Lunch at noon?'), 'reply');
    const preview = bob.page.getByTestId('reply-preview');
    await preview.waitFor();
    assert.match(await preview.textContent(), /Replying to\s+Alice Liddell:\s+Lunch at noon\?/);
    // the focus is in the composer, ready to write the answer
    assert.equal(await bob.page.evaluate(() => document.activeElement?.id), 'composer-input');
    await shot(bob.page, 'changes-reply-preview');
    await send(bob.page, 'Yes, see you there');
    await preview.waitFor({ state: 'hidden' });
    for (const u of [bob, alice]) {
      const reply = messageRow(u.page, 'Yes, see you there');
      await reply.waitFor({ timeout: LIVE_TIMEOUT_MS });
      const quote = reply.getByTestId('reply-quote');
      await quote.waitFor({ timeout: LIVE_TIMEOUT_MS });
      assert.equal(await quote.getAttribute('data-reply-seq'), String(ids.original));
      assert.equal(await quote.locator('.reply-name').textContent(), `In reply to ${u === alice ? 'You' : 'Alice Liddell'}`);
      assert.equal(await reply.getByTestId('reply-excerpt').textContent(), 'Lunch at noon?');
    }
    ids.reply = await seqOf(alice.page, 'Yes, see you there');
    const stored = await b.api(alice, 'GET', `/api/conversations/${ids.ab}/messages`);
    assert.deepEqual(stored.json.messages.find((m) => m.seq === ids.reply).replyTo, { seq: ids.original, senderId: alice.id, excerpt: 'Lunch at noon?' });

    await messageRow(alice.page, 'Yes, see you there').getByTestId('reply-quote').click();
    const original = bySeq(alice.page, ids.original);
    await waitUntil(() => original.evaluate((el) => el.classList.contains('highlight') && document.activeElement === el), 5_000, 'the original highlighted and focused');
    await shot(alice.page, 'changes-reply-jump');
  });

  b.step('Alice edits hers (ArrowUp opens the editor, Escape leaves it as it was; Save changes it): "(edited)" and the new text live on both sides, the quote follows, also after a reload', async () => {
    const { alice, bob } = b.users;
    const row = bySeq(alice.page, ids.original);
    // Up in the empty composer edits her last message; Escape cancels and nothing changes
    const input = alice.page.getByLabel('Message', { exact: true });
    await input.focus();
    await input.press('ArrowUp');
    const editor = row.getByTestId('edit-input');
    await editor.waitFor();
    assert.equal(await editor.inputValue(), 'Lunch at noon?');
    await editor.fill('Never mind');
    await editor.press('Escape');
    await editor.waitFor({ state: 'hidden' });
    assert.equal(await contentOf(row), 'Lunch at noon?');
    assert.equal(await alice.page.evaluate(() => document.activeElement?.id), 'composer-input', 'the focus is back in the composer');

    // an empty edit is refused before anything is sent
    await act(row, 'edit');
    await editor.fill('   ');
    await row.getByTestId('edit-save').click();
    await row.getByTestId('change-error').filter({ hasText: 'cannot be empty' }).waitFor();
    await editor.fill('Lunch at one?');
    await shot(alice.page, 'changes-editing');
    await editor.press('Enter');
    await editor.waitFor({ state: 'hidden' });
    for (const u of [alice, bob]) {
      const r = bySeq(u.page, ids.original);
      await waitUntil(async () => (await contentOf(r)) === 'Lunch at one?', LIVE_TIMEOUT_MS, `${u.username} sees the new text`);
      const marker = r.getByTestId('edited-marker');
      await marker.waitFor({ timeout: LIVE_TIMEOUT_MS });
      assert.equal(await marker.textContent(), '(edited)');
      assert.match(await marker.getAttribute('title'), /^Edited \S/);
      await waitUntil(
        async () => (await messageRow(u.page, 'Yes, see you there').getByTestId('reply-excerpt').textContent()) === 'Lunch at one?',
        LIVE_TIMEOUT_MS,
        `${u.username}'s quote shows the new text`,
      );
    }
    // Bob may not edit or delete Alice's message: the actions are not offered
    const hers = bySeq(bob.page, ids.original);
    await hers.hover();
    await hers.getByTestId('action-reply').waitFor();
    assert.equal(await hers.getByTestId('action-edit').count(), 0);
    assert.equal(await hers.getByTestId('action-delete').count(), 0);
    assert.equal(await bySeq(bob.page, ids.reply).getByTestId('action-edit').count(), 1, 'his own is editable');
    await shot(bob.page, 'changes-edited-live');

    await bob.page.reload();
    await messageRow(bob.page, 'Yes, see you there').getByTestId('reply-excerpt').filter({ hasText: /^Lunch at one\?$/ }).waitFor();
    await bob.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
  });

  b.step('the message toolbar is one ARIA toolbar: one Tab stop (the button focused last), Left/Right (wrapping), Home and End move between its buttons', async () => {
    const { alice } = b.users;
    const page = alice.page;
    const row = bySeq(page, ids.original);
    const tools = row.getByTestId('message-tools');
    assert.equal(await tools.getAttribute('role'), 'toolbar');
    assert.equal(await tools.getAttribute('aria-label'), 'Message actions');
    const tabIndexes = () => tools.locator('button').evaluateAll((bs) => bs.map((el) => `${el.textContent.trim()}:${el.tabIndex}`));
    assert.deepEqual(await tabIndexes(), ['Reply:0', 'React:-1', 'Edit:-1', 'Delete:-1'], 'one Tab stop');
    const focused = () => page.evaluate(() => document.activeElement?.closest('[data-testid="message-tools"]') ? document.activeElement.textContent.trim() : `outside: ${document.activeElement?.dataset.testid ?? document.activeElement?.tagName}`);

    // Tab from the message goes into its toolbar once, and the next Tab leaves it
    await row.evaluate((el) => el.focus());
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Reply');
    for (const [key, expected] of [['ArrowRight', 'React'], ['ArrowRight', 'Edit'], ['End', 'Delete'], ['ArrowRight', 'Reply'], ['ArrowLeft', 'Delete'], ['Home', 'Reply'], ['ArrowLeft', 'Delete'], ['ArrowLeft', 'Edit']]) {
      await page.keyboard.press(key);
      assert.equal(await focused(), expected, `after ${key}`);
    }
    assert.deepEqual(await tabIndexes(), ['Reply:-1', 'React:-1', 'Edit:0', 'Delete:-1'], 'the Tab stop follows the focus');
    await page.keyboard.press('Tab');
    assert.match(await focused(), /^outside/, 'Tab leaves the toolbar');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), 'Edit', 'Shift+Tab comes back to the button focused last');
    await shot(page, 'changes-toolbar-keyboard');
    // Enter on it still acts: the editor opens, Escape closes it and the focus is back on Edit
    await page.keyboard.press('Enter');
    await row.getByTestId('edit-input').waitFor();
    await page.keyboard.press('Escape');
    await waitUntil(async () => (await focused()) === 'Edit', 2_000, 'the focus back on Edit');
  });

  b.step('reactions: Bob 👍 from the picker, Alice 👍 on the chip: count 2, each sees their own pressed and both named; Bob takes his back', async () => {
    const { alice, bob } = b.users;
    await act(bySeq(bob.page, ids.original), 'react');
    const picker = bob.page.getByTestId('reaction-picker');
    await picker.waitFor();
    assert.equal(await bob.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'React with thumbs up', 'the picker has the focus');
    await shot(bob.page, 'changes-picker');
    await picker.locator('[data-emoji="👍"]').click();
    await picker.waitFor({ state: 'hidden' });
    for (const u of [bob, alice]) {
      const c = chip(bySeq(u.page, ids.original), '👍');
      await waitUntil(async () => (await c.getAttribute('data-count')) === '1', LIVE_TIMEOUT_MS, `${u.username}: 👍 1`);
      assert.equal(await c.getAttribute('aria-pressed'), u === bob ? 'true' : 'false');
    }
    await chip(bySeq(alice.page, ids.original), '👍').click();
    for (const u of [alice, bob]) {
      const c = chip(bySeq(u.page, ids.original), '👍');
      await waitUntil(async () => (await c.getAttribute('data-count')) === '2', LIVE_TIMEOUT_MS, `${u.username}: 👍 2`);
      assert.equal(await c.getAttribute('aria-pressed'), 'true');
      const other = u === alice ? 'Bob Builder' : 'Alice Liddell';
      assert.equal(await c.getAttribute('title'), `You and ${other} reacted with 👍`);
      assert.match(await c.getAttribute('aria-label'), new RegExp(`^👍 2: You and ${other}\\. Take back yours$`));
    }
    await shot(alice.page, 'changes-reactions');
    await chip(bySeq(bob.page, ids.original), '👍').click();
    for (const u of [bob, alice]) {
      const c = chip(bySeq(u.page, ids.original), '👍');
      await waitUntil(async () => (await c.getAttribute('data-count')) === '1', LIVE_TIMEOUT_MS, `${u.username}: 👍 back to 1`);
      assert.equal(await c.getAttribute('title'), `${u === alice ? 'You' : 'Alice Liddell'} reacted with 👍`);
    }
    assert.equal(await chip(bySeq(bob.page, ids.original), '👍').getAttribute('aria-pressed'), 'false');
    const stored = await b.api(bob, 'GET', `/api/conversations/${ids.ab}/messages`);
    assert.deepEqual(stored.json.messages.find((m) => m.seq === ids.original).reactions, { '👍': [alice.id] });
  });

  b.step('at 20 different reactions the picker offers no new emoji (aria-disabled, with why) and one already there still toggles; refusals change nothing and say why: Bob editing Alice\'s message over REST (403), an edit over 4,000 characters', async () => {
    const { alice, bob } = b.users;
    const full = await b.sendRest(alice, ids.ab, 'Twenty reactions already');
    const emoji = ['🍎', '🍐', '🍊', '🍋', '🍌', '🍉', '🍇', '🍓', '🫐', '🍈', '🍒', '🍑', '🥭', '🍍', '🥥', '🥝', '🍅', '🥑', '🥦', '❤️'];
    for (const e of emoji) {
      const r = await b.api(alice, 'PUT', `/api/conversations/${ids.ab}/messages/${full.seq}/reactions/${encodeURIComponent(e)}`);
      assert.equal(r.status, 200, r.text);
    }
    const row = bySeq(bob.page, full.seq);
    await waitUntil(async () => (await row.getByTestId('reaction-chip').count()) === 20, LIVE_TIMEOUT_MS, 'Bob sees the 20 reactions');
    await act(row, 'react');
    const picker = bob.page.getByTestId('reaction-picker');
    await picker.waitFor();
    const note = picker.getByTestId('reactions-full');
    assert.equal((await note.textContent()).trim(), 'This message has 20 different reactions, the most it can take: add yours to one already there.');
    const noteId = await note.getAttribute('id');
    const options = await picker.getByTestId('reaction-option').evaluateAll((els) =>
      els.map((el) => [el.dataset.emoji, el.getAttribute('aria-disabled'), el.getAttribute('aria-describedby')]),
    );
    assert.deepEqual(options, [
      ['👍', 'true', noteId],
      ['❤️', null, null],
      ['😂', 'true', noteId],
      ['🎉', 'true', noteId],
      ['😮', 'true', noteId],
      ['😢', 'true', noteId],
    ]);
    // still in the picker's arrow order, so that the reason is heard
    assert.equal(await bob.page.evaluate(() => document.activeElement?.dataset.emoji), '👍');
    const axe = await axeViolations(bob.page);
    assert.deepEqual(axe, [], JSON.stringify(axe, null, 2));
    await shot(bob.page, 'changes-picker-full');
    // a new one does nothing, by keyboard or pointer (playwright waits for an aria-disabled button to be enabled: forced)
    await bob.page.keyboard.press('Enter');
    await picker.locator('[data-emoji="👍"]').click({ force: true });
    await sleep(500);
    assert.equal(await row.getByTestId('change-error').count(), 0, 'no refusal to show: nothing was sent');
    assert.equal(await chip(row, '👍').count(), 0, 'no 👍 shown');
    let stored = await b.api(bob, 'GET', `/api/conversations/${ids.ab}/messages`);
    assert.deepEqual(stored.json.messages.find((m) => m.seq === full.seq).reactions['👍'], undefined);
    // one already there: Bob adds his
    await picker.locator('[data-emoji="❤️"]').click();
    await picker.waitFor({ state: 'hidden' });
    for (const u of [bob, alice]) {
      await waitUntil(async () => (await chip(bySeq(u.page, full.seq), '❤️').getAttribute('data-count')) === '2', LIVE_TIMEOUT_MS, `${u.username}: ❤️ 2`);
    }
    stored = await b.api(bob, 'GET', `/api/conversations/${ids.ab}/messages`);
    const reactions = stored.json.messages.find((m) => m.seq === full.seq).reactions;
    assert.equal(Object.keys(reactions).length, 20);
    assert.deepEqual(reactions['❤️'], [alice.id, bob.id]);

    // Bob forces an edit of Alice's message: 403, and neither screen changes
    const forced = await b.api(bob, 'PATCH', `/api/conversations/${ids.ab}/messages/${ids.original}`, { content: 'hijacked' });
    assert.equal(forced.status, 403, forced.text);
    await sleep(500);
    for (const u of [alice, bob]) assert.equal(await contentOf(bySeq(u.page, ids.original)), 'Lunch at one?');

    // too long: refused in the editor, nothing sent
    const own = bySeq(alice.page, ids.original);
    await act(own, 'edit');
    await own.getByTestId('edit-input').fill('x'.repeat(4001));
    await own.getByTestId('edit-save').click();
    await own.getByTestId('change-error').filter({ hasText: 'at most 4000 characters (this one has 4001)' }).waitFor();
    await own.getByTestId('edit-cancel').click();
    assert.equal(await contentOf(own), 'Lunch at one?');
    ids.full = full.seq;
  });

  b.step('Alice deletes (after a confirmation): a tombstone on both sides live, no reactions or actions, the quote says so, the list preview too', async () => {
    const { alice, bob } = b.users;
    // Cancel first: nothing happens
    const last = bySeq(alice.page, ids.full);
    await act(last, 'delete');
    await last.getByTestId('delete-confirm').waitFor();
    await last.getByTestId('delete-confirm-no').click();
    await last.getByTestId('delete-confirm').waitFor({ state: 'hidden' });
    assert.equal(await last.getAttribute('data-deleted'), null);

    // the last message deleted: Bob's list entry says so (his open conversation is this one)
    await act(last, 'delete');
    await shot(alice.page, 'changes-delete-confirm');
    await last.getByTestId('delete-confirm-yes').click();
    for (const u of [alice, bob]) {
      const r = bySeq(u.page, ids.full);
      await r.getByTestId('message-tombstone').waitFor({ timeout: LIVE_TIMEOUT_MS });
      assert.equal(await r.getAttribute('data-deleted'), 'true');
      assert.equal(await r.getByTestId('reaction-chip').count(), 0);
      assert.equal(await r.getByTestId('message-tools').count(), 0, 'no actions on a tombstone');
      assert.equal(await r.getByTestId('message-content').count(), 0);
    }
    await listItem(bob.page, ids.ab).filter({ hasText: 'Message deleted' }).waitFor({ timeout: LIVE_TIMEOUT_MS });

    // the original Bob answered: the quote says it is gone
    const original = bySeq(alice.page, ids.original);
    await act(original, 'delete');
    await original.getByTestId('delete-confirm-yes').click();
    for (const u of [alice, bob]) {
      await bySeq(u.page, ids.original).getByTestId('message-tombstone').waitFor({ timeout: LIVE_TIMEOUT_MS });
      await messageRow(u.page, 'Yes, see you there').getByTestId('reply-excerpt').filter({ hasText: 'Original message deleted' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    }
    await shot(bob.page, 'changes-deleted');
  });

  b.step('Bob is cut off while Alice edits, deletes, reacts and writes; back, one sync shows him the server\'s state', async () => {
    const { alice, bob } = b.users;
    const keep = await b.sendRest(alice, ids.ab, 'Plan A');
    const drop = await b.sendRest(alice, ids.ab, 'Plan B');
    await messageRow(bob.page, 'Plan B').waitFor({ timeout: LIVE_TIMEOUT_MS });

    await bob.page.route('**/api/realtime/ticket', (route) => route.abort());
    await closeSockets(bob);
    await bob.page.getByTestId('connection-banner').waitFor({ timeout: LIVE_TIMEOUT_MS });

    const base = `/api/conversations/${ids.ab}/messages`;
    assert.equal((await b.api(alice, 'PATCH', `${base}/${keep.seq}`, { content: 'Plan A, at six' })).status, 200);
    assert.equal((await b.api(alice, 'DELETE', `${base}/${drop.seq}`)).status, 200);
    assert.equal((await b.api(alice, 'PUT', `${base}/${ids.reply}/reactions/${encodeURIComponent('🎉')}`)).status, 200);
    assert.equal((await b.api(alice, 'PUT', `${base}/${keep.seq}/reactions/${encodeURIComponent('❤️')}`)).status, 200);
    await b.sendRest(alice, ids.ab, 'Written while Bob was away');
    await sleep(300);
    // nothing of it reached Bob
    assert.equal(await contentOf(bySeq(bob.page, keep.seq)), 'Plan A');
    assert.equal(await bySeq(bob.page, drop.seq).getAttribute('data-deleted'), null);
    await shot(bob.page, 'changes-offline-stale');

    await bob.page.unroute('**/api/realtime/ticket');
    await bob.context.setOffline(true);
    await sleep(100);
    await bob.context.setOffline(false);
    await bob.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: 20_000 });
    const page = bob.page;
    await waitUntil(async () => (await contentOf(bySeq(page, keep.seq))) === 'Plan A, at six', LIVE_TIMEOUT_MS, 'the edit');
    await bySeq(page, keep.seq).getByTestId('edited-marker').waitFor();
    await bySeq(page, drop.seq).getByTestId('message-tombstone').waitFor();
    await chip(bySeq(page, ids.reply), '🎉').waitFor();
    await chip(bySeq(page, keep.seq), '❤️').waitFor();
    await messageRow(page, 'Written while Bob was away').waitFor();
    await shot(page, 'changes-offline-converged');

    // what he shows is what the server has
    const stored = (await b.api(bob, 'GET', `${base}?limit=200`)).json.messages;
    const shown = await page.locator('[data-testid="message"][data-seq]').evaluateAll((rows) =>
      rows.map((r) => ({
        seq: Number(r.dataset.seq),
        content: r.querySelector('[data-testid="message-content"]')?.textContent ?? '',
        deleted: r.dataset.deleted === 'true',
        edited: r.dataset.edited === 'true',
        reactions: Object.fromEntries([...r.querySelectorAll('[data-testid="reaction-chip"]')].map((c) => [c.dataset.emoji, Number(c.dataset.count)])),
      })),
    );
    const expected = stored.map((m) => ({
      seq: m.seq,
      content: m.content,
      deleted: m.deletedAt !== null,
      edited: m.editedAt !== null && m.deletedAt === null,
      reactions: Object.fromEntries(Object.entries(m.reactions).map(([e, users]) => [e, users.length])),
    }));
    assert.deepEqual(shown, expected);
    assert.deepEqual(b.users.bob.errors, []);
    assert.deepEqual(b.users.alice.errors, []);
  }, 150_000);

  b.step('axe-core: no serious or critical violation with a reply, reactions, an edited and a deleted message, the picker, the editor and the reply preview open', async () => {
    const { alice, bob } = b.users;
    const page = bob.page;
    const violations = {};
    await messageRow(page, 'Yes, see you there').scrollIntoViewIfNeeded();
    violations.states = await axeViolations(page);
    await act(messageRow(page, 'Yes, see you there'), 'react');
    violations.picker = await axeViolations(page);
    await page.keyboard.press('Escape');
    await act(messageRow(page, 'Yes, see you there'), 'edit');
    violations.editor = await axeViolations(page);
    await page.keyboard.press('Escape');
    await act(messageRow(page, 'Yes, see you there'), 'reply');
    violations.reply = await axeViolations(page);
    await shot(page, 'changes-axe');
    const bad = Object.entries(violations).filter(([, v]) => v.length > 0);
    assert.deepEqual(bad, [], JSON.stringify(bad, null, 2));
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  });
  b.step('after a reload, a reply whose original is pages away shows the server\'s excerpt, and its quote opens the conversation around the original, however far back (then back to the latest)', async () => {
    const { alice, bob } = b.users;
    const target = await b.sendRest(alice, ids.ab, 'The first draft');
    const edited = await b.api(alice, 'PATCH', `/api/conversations/${ids.ab}/messages/${target.seq}`, { content: 'The final draft' });
    assert.equal(edited.status, 200);
    for (let i = 1; i <= 120; i++) await b.sendRest(alice, ids.ab, `filler ${i}`);
    const r = await b.api(bob, 'POST', `/api/conversations/${ids.ab}/messages`, { content: 'About that draft', clientMessageId: randomUUID(), replyToSeq: target.seq });
    assert.equal(r.status, 201, r.text);
    await bob.page.reload();
    const reply = messageRow(bob.page, 'About that draft');
    await reply.waitFor();
    assert.equal(await bySeq(bob.page, target.seq).count(), 0, 'the original is not loaded');
    assert.equal(await reply.getByTestId('reply-excerpt').textContent(), 'The final draft');
    await reply.getByTestId('reply-quote').click();
    const original = bySeq(bob.page, target.seq);
    await original.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await waitUntil(() => original.evaluate((el) => el.classList.contains('highlight')), 5_000, 'the original highlighted');
    assert.equal(await contentOf(original), 'The final draft');
    assert.ok(await original.isVisible());
    // a window into the past, not every page in between: the latest page is gone until asked for
    assert.equal(await messageRow(bob.page, 'About that draft').count(), 0, 'the window is around the original');
    await shot(bob.page, 'changes-jump-older');
    await bob.page.getByTestId('jump-to-latest').click();
    await messageRow(bob.page, 'About that draft').waitFor({ timeout: LIVE_TIMEOUT_MS });
  });

  b.step('offline, messages still in the outbox can be edited (the queued text and its kept copy change) and deleted (after the same confirmation, never sent); after a reload and the reconnection only the edited one is stored', async () => {
    const { alice, bob } = b.users;
    const page = bob.page;
    const base = `/api/conversations/${ids.ab}/messages`;
    await page.route('**/api/realtime/ticket', (route) => route.abort());
    await closeSockets(bob);
    await page.getByTestId('connection-banner').waitFor({ timeout: LIVE_TIMEOUT_MS });
    await send(page, 'Offline one, with a tpyo');
    await send(page, 'Offline two, to be deleted');
    const byClientId = async (text) => {
      const row = messageRow(page, text);
      await row.waitFor();
      return page.locator(`[data-testid="message"][data-client-message-id="${await row.getAttribute('data-client-message-id')}"]`);
    };
    const one = await byClientId('Offline one, with a tpyo');
    const two = await byClientId('Offline two, to be deleted');
    const kept = () => page.evaluate((id) => JSON.parse(localStorage.getItem(`thrume.outbox.${id}`) ?? '[]').map((e) => e.content), bob.id);
    assert.deepEqual(await kept(), ['Offline one, with a tpyo', 'Offline two, to be deleted']);
    assert.equal(await one.getByTestId('delivery-state').getAttribute('data-state'), 'pending');

    // not sent yet: Edit and Delete only (nothing to reply to or react to yet)
    await one.hover();
    assert.deepEqual((await one.getByTestId('message-tools').locator('button').allTextContents()).map((t) => t.trim()), ['Edit', 'Delete']);
    await one.getByTestId('action-edit').click();
    const editor = one.getByTestId('edit-input');
    assert.equal(await editor.inputValue(), 'Offline one, with a tpyo');
    await editor.fill('Offline one, without a typo');
    await shot(page, 'changes-queued-editing');
    await editor.press('Enter');
    await editor.waitFor({ state: 'hidden' });
    assert.equal(await contentOf(one), 'Offline one, without a typo');
    assert.equal(await one.getByTestId('delivery-state').getAttribute('data-state'), 'pending');
    assert.deepEqual(await kept(), ['Offline one, without a typo', 'Offline two, to be deleted']);

    // Delete asks first (Cancel keeps it), then it is gone, from the kept copy too
    await two.hover();
    await two.getByTestId('action-delete').click();
    const confirm = two.getByTestId('delete-confirm');
    await confirm.waitFor();
    assert.match(await confirm.textContent(), /Delete this message\? It has not been sent yet/);
    await two.getByTestId('delete-confirm-no').click();
    await confirm.waitFor({ state: 'hidden' });
    await two.hover();
    await two.getByTestId('action-delete').click();
    await shot(page, 'changes-queued-delete-confirm');
    await two.getByTestId('delete-confirm-yes').click();
    await two.waitFor({ state: 'detached' });
    assert.deepEqual(await kept(), ['Offline one, without a typo']);

    // a reload while still offline shows what is kept
    await page.reload();
    await messageRow(page, 'Offline one, without a typo').waitFor();
    assert.equal(await messageRow(page, 'Offline two, to be deleted').count(), 0);
    assert.equal(await messageRow(page, 'Offline one, with a tpyo').count(), 0);

    await page.unroute('**/api/realtime/ticket');
    await bob.context.setOffline(true);
    await sleep(100);
    await bob.context.setOffline(false);
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: 20_000 });
    await messageRow(alice.page, 'Offline one, without a typo').waitFor({ timeout: LIVE_TIMEOUT_MS });
    await waitUntil(async () => (await kept()).length === 0, LIVE_TIMEOUT_MS, 'the outbox empty');
    const stored = (await b.api(bob, 'GET', `${base}?limit=20`)).json.messages.map((m) => m.content);
    assert.ok(stored.includes('Offline one, without a typo'));
    assert.ok(!stored.some((c) => c.startsWith('Offline two') || c.includes('tpyo')), stored.join(' | '));
    assert.equal(await messageRow(alice.page, 'Offline two, to be deleted').count(), 0);
    assert.deepEqual(bob.errors, []);
    assert.deepEqual(alice.errors, []);
  }, 150_000);

});
