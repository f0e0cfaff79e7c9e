// Message search in the web client, in a real browser (Debian chromium + playwright-core) against a
// real Thrume (target/thrume.jar): Alice searches by a word prefix (Ctrl+K), finds messages across her
// conversations (a deleted one never), moves through the results with the arrows and opens one that
// lies far from the latest page (160 messages): the conversation opens around it, scrolled to it and
// highlighted, and pages both ways. Bob writes live meanwhile: Alice's old window does not take the
// message in the wrong place, says that newer ones exist, and "Jump to latest" shows it. The search
// can be limited to the open conversation; a search without results says so.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots go to target/e2e-screenshots/.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Thrume } from '../js/thrume-server.mjs';
import { axeViolations, Browsers, LIVE_TIMEOUT_MS, listItem, messageRow, send, shot, startedAround, TEST_CONFIG, waitUntil } from './support.mjs';

const server = new Thrume({ ...TEST_CONFIG, limits: { search: { burst: 1000, perSecond: 1000.0 } } }, 'thrume-search-e2e');
const b = new Browsers(server, 'search');
const ids = {};
let alice;
let bob;
/** The seq of the message the search opens: far from the latest page of 160. */
const HIT = 60;

startedAround(server, b);

const messageAt = (page, seq) => page.locator(`[data-testid="message"][data-seq="${seq}"]`);

/** Whether the message of seq is inside the visible part of the messages' scroller. */
function inView(page, seq) {
  return page.evaluate((s) => {
    const el = document.querySelector(`[data-testid="message"][data-seq="${s}"]`);
    const box = document.querySelector('[data-testid="messages"]');
    if (!el || !box) return false;
    const a = el.getBoundingClientRect();
    const v = box.getBoundingClientRect();
    return a.top >= v.top - 1 && a.bottom <= v.bottom + 1;
  }, seq);
}

/** The search result for HIT was chosen: its conversation opens around it, scrolled to it and highlighted; returns its row. */
async function openedAtHit(page) {
  await page.waitForURL(`**/c/${ids.long}`);
  const hit = messageAt(page, HIT);
  await hit.waitFor();
  await waitUntil(() => inView(page, HIT), 5_000, 'the hit scrolled into view');
  assert.match(await hit.getAttribute('class'), /\bhighlight\b/, 'highlighted');
  return hit;
}

async function results(page) {
  return page.getByTestId('search-result').evaluateAll((els) =>
    els.map((el) => ({
      conversationId: el.dataset.conversationId,
      seq: Number(el.dataset.seq),
      text: el.querySelector('[data-testid="search-excerpt"]').textContent,
      marked: [...el.querySelectorAll('mark')].map((m) => m.textContent),
      selected: el.getAttribute('aria-selected'),
    })),
  );
}

describe('message search', () => {
  b.step('seed: a conversation of 160 messages, another with a match and a deleted match', async () => {
    alice = await b.person('alice', 'Alice Liddell', { bypassCSP: true }); // bypassCSP: axe-core is injected
    bob = await b.person('bob', 'Bob Builder');
    ids.long = await b.conversation(alice, [bob], 'History');
    for (let i = 1; i <= 160; i++) {
      const content = i === HIT ? 'The Zebracorn was seen near the <b>river</b> & the old mill' : `filler message ${i}`;
      await b.sendRest(i % 2 ? bob : alice, ids.long, content);
    }
    ids.other = await b.conversation(bob, [alice], 'Elsewhere');
    await b.sendRest(bob, ids.other, 'zebracorns are everywhere today');
    const gone = await b.sendRest(bob, ids.other, 'zebracorn secretword to be deleted');
    const r = await b.api(bob, 'DELETE', `/api/conversations/${ids.other}/messages/${gone.seq}`);
    assert.ok(r.status === 200 || r.status === 204, `delete: ${r.status} ${r.text}`);
    await b.sendRest(bob, ids.other, 'something unrelated');
  });

  b.step('Ctrl+K focuses the search; a word prefix finds messages across conversations (newest first, the matched words marked, never as HTML); a deleted one is not found', async () => {
    const page = alice.page;
    await page.goto('/');
    await listItem(page, ids.long).waitFor();
    await page.keyboard.press('Control+k');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'message-search-input');
    await page.keyboard.type('zebra');
    await waitUntil(async () => (await results(page)).length === 2, LIVE_TIMEOUT_MS, 'two results');
    const found = await results(page);
    assert.deepEqual(found.map((f) => f.conversationId), [ids.other, ids.long], 'newest first, across conversations');
    assert.deepEqual(found[1].marked, ['Zebra']);
    assert.equal(found[1].text, 'The Zebracorn was seen near the <b>river</b> & the old mill', 'markup stays text');
    assert.equal(await page.locator('[data-testid="search-results"] b').count(), 0);
    assert.equal(found[1].seq, HIT);
    await shot(page, 'search-results');

    // the deleted message's own word finds nothing; so does a word no message has
    await page.getByTestId('message-search-input').fill('secretword');
    await page.getByTestId('search-empty').waitFor();
    assert.equal(await page.getByTestId('search-result').count(), 0);
    await page.getByTestId('message-search-input').fill('qqqnothing');
    await page.getByTestId('search-empty').waitFor();
    assert.equal((await page.getByTestId('search-empty').textContent()).trim(), 'No messages found');
    // Escape clears and closes
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('message-search-input').inputValue(), '');
    assert.equal(await page.getByTestId('search-panel').count(), 0);
  });

  b.step('arrows and Enter open a result far from the latest page: scrolled to it and highlighted; older and newer pages load around it', async () => {
    const page = alice.page;
    await page.keyboard.press('Control+k');
    await page.keyboard.type('zebracorn sEEn');
    await waitUntil(async () => (await results(page)).length === 1, LIVE_TIMEOUT_MS, 'one result for two words');
    await page.keyboard.press('ArrowDown');
    assert.equal((await results(page))[0].selected, 'true');
    await page.keyboard.press('Enter');
    const hit = await openedAtHit(page);
    await shot(page, 'search-opened-in-context');
    assert.equal(await messageAt(page, 160).count(), 0, 'the latest page is not loaded');
    assert.equal(await messageAt(page, HIT - 24).count(), 1, 'the page starts 25 before the hit');
    assert.equal(await messageAt(page, HIT - 25).count(), 0);
    await page.getByTestId('jump-to-latest').waitFor();
    await waitUntil(async () => !/\bhighlight\b/.test((await hit.getAttribute('class')) ?? ''), 5_000, 'the highlight fades');

    // newer: scrolled to the bottom, the next page comes (afterSeq)
    const scroller = page.getByTestId('messages');
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await messageAt(page, HIT + 26).waitFor();
    // older: scrolled to the top, the page before comes (beforeSeq)
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await messageAt(page, HIT - 25).waitFor();
    assert.equal(await messageAt(page, 160).count(), 0, 'still a window into the past');
  });

  b.step('Bob writes live while Alice reads the past: not placed in her window; "Jump to latest" shows it at the end', async () => {
    const page = alice.page;
    await bob.page.goto(`/c/${ids.long}`);
    await messageAt(bob.page, 160).waitFor();
    await send(bob.page, 'live while you read the past');
    await messageRow(bob.page, 'live while you read the past').waitFor();
    const jump = page.getByTestId('jump-to-latest');
    await waitUntil(async () => /1 new/.test(await jump.textContent()), LIVE_TIMEOUT_MS, 'the jump button counts the new message');
    assert.equal(await messageRow(page, 'live while you read the past').count(), 0, 'not appended to the old window');
    const seqs = await page.locator('[data-testid="message"][data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), 'the window has no gap');
    await jump.click();
    await messageRow(page, 'live while you read the past').waitFor();
    await messageAt(page, 160).waitFor();
    assert.equal(await page.getByTestId('jump-to-latest').count(), 0);
    await waitUntil(() => inView(page, 161), 5_000, 'at the bottom');
    // live again: Bob's next message lands at the end
    await send(bob.page, 'and one more');
    await messageRow(page, 'and one more').waitFor({ timeout: LIVE_TIMEOUT_MS });
    await shot(page, 'search-jumped-to-latest');
  });

  b.step('writing while reading the past sends to the present: the thread jumps to the latest, with the message at the end', async () => {
    const page = alice.page;
    await page.keyboard.press('Control+k');
    await page.keyboard.type('zebracorn seen');
    await waitUntil(async () => (await results(page)).length === 1, LIVE_TIMEOUT_MS, 'the result');
    await page.keyboard.press('Enter');
    await messageAt(page, HIT).waitFor();
    await page.getByTestId('jump-to-latest').waitFor();
    await send(page, 'written from the past');
    await page.getByTestId('jump-to-latest').waitFor({ state: 'detached' });
    await messageRow(page, 'written from the past').waitFor();
    await messageRow(bob.page, 'written from the past').waitFor({ timeout: LIVE_TIMEOUT_MS });
    const seqs = await page.locator('[data-testid="message"][data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    assert.equal(seqs.at(-1), 163, 'her message is the newest, after Bob\'s two');
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), 'no gap');
  });

  b.step('"In this conversation" limits the search to the open one; a result in the open conversation scrolls there', async () => {
    const page = alice.page;
    await listItem(page, ids.other).click();
    await page.getByTestId('search-scope').check();
    await page.getByTestId('message-search-input').fill('zebra');
    await waitUntil(async () => (await results(page)).length === 1, LIVE_TIMEOUT_MS, 'one result in this conversation');
    assert.equal((await results(page))[0].conversationId, ids.other);
    await page.getByTestId('search-scope').uncheck();
    await waitUntil(async () => (await results(page)).length === 2, LIVE_TIMEOUT_MS, 'both again');
    // "/" outside a field focuses the search
    await page.keyboard.press('Escape');
    await page.getByTestId('messages').focus();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'message-search-input');
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  });
  b.step('on a phone-width screen with a conversation open, the header\'s search button and Ctrl+K show the search in its place and focus it; Escape goes back; a result opens in context', async () => {
    const page = alice.page;
    await page.setViewportSize({ width: 390, height: 760 });
    try {
      await page.goto(`/c/${ids.other}`);
      await page.getByTestId('composer-input').waitFor();
      const field = page.getByTestId('message-search-input');
      const conversation = page.getByTestId('conversation-view');
      const focusedId = () => page.evaluate(() => document.activeElement?.id);
      assert.equal(await field.isVisible(), false, 'the list and its search are hidden behind the conversation');

      // the header's search button
      const button = page.getByTestId('open-search');
      assert.equal(await button.getAttribute('aria-label'), 'Search messages');
      await button.click();
      await waitUntil(async () => (await focusedId()) === 'message-search-input', 2_000, 'the search focused');
      assert.equal(await field.isVisible(), true);
      assert.equal(await conversation.isVisible(), false, 'in the conversation\'s place');
      await shot(page, 'search-phone-open');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
      // Escape on the empty field: back to the conversation, the focus on the button
      await page.keyboard.press('Escape');
      await conversation.waitFor();
      assert.equal(await field.isVisible(), false);
      assert.equal(await focusedId(), 'open-search');

      // Ctrl+K from the composer, "/" from the messages: the same
      await page.getByTestId('composer-input').focus();
      await page.keyboard.press('Control+k');
      await waitUntil(async () => (await focusedId()) === 'message-search-input', 2_000, 'Ctrl+K focused the search');
      assert.equal(await conversation.isVisible(), false);
      await page.getByTestId('search-back').click();
      await conversation.waitFor();
      await page.getByTestId('messages').focus();
      await page.keyboard.press('/');
      await waitUntil(async () => (await focusedId()) === 'message-search-input', 2_000, '"/" focused the search');

      // a result in another conversation opens it around the message, as on a desktop
      await page.keyboard.type('zebracorn seen');
      await waitUntil(async () => (await results(page)).length === 1, LIVE_TIMEOUT_MS, 'the result');
      await shot(page, 'search-phone-results');
      await page.keyboard.press('Enter');
      await openedAtHit(page);
      assert.equal(await field.isVisible(), false, 'the search stepped aside');
      await shot(page, 'search-phone-opened-in-context');
      // and one in the open conversation scrolls there
      await page.getByTestId('open-search').click();
      await waitUntil(async () => (await focusedId()) === 'message-search-input', 2_000, 'the search focused again');
      await page.keyboard.type('filler message 150');
      await waitUntil(async () => (await results(page)).some((r) => r.seq === 150), LIVE_TIMEOUT_MS, 'message 150 found');
      await page.locator('[data-testid="search-result"][data-seq="150"]').click();
      await waitUntil(() => inView(page, 150), 5_000, 'message 150 scrolled into view');
      assert.equal(await conversation.isVisible(), true);
      assert.deepEqual(alice.errors, []);
    } finally {
      await page.setViewportSize({ width: 1200, height: 800 });
    }
  });

});
