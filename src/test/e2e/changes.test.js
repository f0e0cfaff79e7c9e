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

  b.step('refusals change nothing and say why: a 21st emoji from the picker, Bob editing Alice\'s message over REST (403), an edit over 4,000 characters', async () => {
    const { alice, bob } = b.users;
    const full = await b.sendRest(alice, ids.ab, 'Twenty reactions already');
    const emoji = ['🍎', '🍐', '🍊', '🍋', '🍌', '🍉', '🍇', '🍓', '🫐', '🍈', '🍒', '🍑', '🥭', '🍍', '🥥', '🥝', '🍅', '🥑', '🥦', '🌽'];
    for (const e of emoji) {
      const r = await b.api(alice, 'PUT', `/api/conversations/${ids.ab}/messages/${full.seq}/reactions/${encodeURIComponent(e)}`);
      assert.equal(r.status, 200, r.text);
    }
    const row = bySeq(bob.page, full.seq);
    await waitUntil(async () => (await row.getByTestId('reaction-chip').count()) === 20, LIVE_TIMEOUT_MS, 'Bob sees the 20 reactions');
    await act(row, 'react');
    await bob.page.getByTestId('reaction-picker').locator('[data-emoji="👍"]').click();
    const error = row.getByTestId('change-error');
    await error.waitFor();
    assert.equal(await error.textContent().then((t) => t.replace('×', '').trim()), 'Could not react with 👍: a message takes at most 20 different reactions.');
    assert.equal(await error.getAttribute('role'), 'alert');
    await shot(bob.page, 'changes-refused-reaction');
    assert.equal(await chip(row, '👍').count(), 0, 'no 👍 shown');
    const stored = await b.api(bob, 'GET', `/api/conversations/${ids.ab}/messages`);
    assert.equal(Object.keys(stored.json.messages.find((m) => m.seq === full.seq).reactions).length, 20);

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

});
