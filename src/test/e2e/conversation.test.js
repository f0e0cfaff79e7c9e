// Issue 16 in a real browser (Debian chromium + playwright-core) against a real Thrume
// (target/thrume.jar, fresh data directory, stopped by its PID): how a conversation reads. Links
// (safe), groups and day separators, right-to-left text, long messages collapsed, the unread
// divider and the "new messages" pill; the keyboard; accessibility (axe-core) in light and dark.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots go to target/e2e-screenshots/.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Thrume } from '../js/thrume-server.mjs';
import { Browsers, listItem, LIVE_TIMEOUT_MS, messageRow, messageRows, send, shot, startedAround, TEST_CONFIG, waitUntil } from './support.mjs';

const server = new Thrume(TEST_CONFIG, 'thrume-conversation-e2e');
const b = new Browsers(server, 'conversation');
const ids = {};

startedAround(server, b);

const ARABIC = 'مرحبا بك في المحادثة، كيف حالك اليوم؟';
const LONG = Array.from({ length: 70 }, (_, i) => `Line ${i + 1} of a long message that goes on and on.`).join(' ').slice(0, 4000);

describe('rendering', () => {
  b.step('links are clickable and safe, consecutive messages group under one name with a day separator, content is dir=auto, a long message collapses', async () => {
    const alice = await b.person('alice', 'Alice Liddell');
    const bob = await b.person('bob', 'Bob Builder');
    ids.ab = await b.conversation(alice, [bob]);
    await b.sendRest(bob, ids.ab, 'see https://example.com/a?b=1, not javascript:alert(1) nor www.example.org');
    await b.sendRest(bob, ids.ab, 'second in a row');
    await b.sendRest(bob, ids.ab, ARABIC);
    await b.sendRest(alice, ids.ab, 'my answer');
    await b.sendRest(bob, ids.ab, LONG);
    const page = alice.page;
    await page.goto(`/c/${ids.ab}`);
    await messageRow(page, LONG).waitFor();

    const links = page.locator('[data-testid="message-link"]');
    assert.equal(await links.count(), 1, 'one link: javascript: and a bare www. are text');
    assert.equal(await links.getAttribute('href'), 'https://example.com/a?b=1');
    assert.equal(await links.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await links.getAttribute('target'), '_blank');
    assert.equal(await links.textContent(), 'https://example.com/a?b=1');
    assert.equal(await page.locator('[data-testid="messages"] a[href^="javascript"]').count(), 0);
    assert.equal(
      await messageRow(page, /^see https/).locator('[data-testid="message-content"]').textContent(),
      'see https://example.com/a?b=1, not javascript:alert(1) nor www.example.org',
    );

    // groups: Bob's three in a row show his name once; Alice's answer starts a group, then Bob again
    const starts = await messageRows(page).evaluateAll((rows) => rows.map((r) => r.dataset.groupStart));
    assert.deepEqual(starts, ['true', 'false', 'false', 'true', 'true']);
    assert.equal(await page.getByTestId('message-sender').count(), 3);
    const separators = page.getByTestId('date-separator');
    assert.equal(await separators.count(), 1);
    assert.equal((await separators.textContent()).trim(), 'Today');

    // right-to-left: the content says dir=auto, and the browser lays it out right to left
    const arabic = messageRow(page, ARABIC).locator('[data-testid="message-content"]');
    assert.equal(await arabic.getAttribute('dir'), 'auto');
    assert.equal(await arabic.evaluate((el) => getComputedStyle(el).direction), 'rtl');

    // a 4,000-character message is collapsed with "Show more", and expands
    const long = messageRow(page, LONG);
    const content = long.locator('[data-testid="message-content"]');
    const collapsed = (await content.boundingBox()).height;
    assert.ok(collapsed < 300, `collapsed height ${collapsed}`);
    const more = long.getByTestId('show-more');
    assert.equal(await more.textContent().then((t) => t.trim()), 'Show more');
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    await shot(page, 'rendering-collapsed');
    await more.click();
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    assert.ok((await content.boundingBox()).height > collapsed * 2, 'expanded');
    await shot(page, 'rendering-links-groups-rtl');
  });

  b.step('opening a conversation with unread messages shows a divider above the first unread; scrolled up, a new message shows a "new messages ↓" pill', async () => {
    const { alice, bob } = b.users;
    const page = alice.page;
    await page.goto('/');
    await listItem(page, ids.ab).waitFor();
    for (let i = 1; i <= 3; i++) await b.sendRest(bob, ids.ab, `unread ${i}`);
    await listItem(page, ids.ab).getByTestId('unread-badge').filter({ hasText: '3' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await listItem(page, ids.ab).click();
    await messageRow(page, 'unread 3').waitFor();
    const divider = page.getByTestId('unread-divider');
    await divider.waitFor();
    const next = await divider.evaluate((el) => el.nextElementSibling?.querySelector('[data-testid="message-content"]')?.textContent);
    assert.equal(next, 'unread 1');
    await shot(page, 'unread-divider');

    // plenty of history, Alice scrolls up; Bob writes: a pill, and the view stays put
    for (let i = 1; i <= 40; i++) await b.sendRest(bob, ids.ab, `filler ${i}`);
    await messageRow(page, 'filler 40').waitFor({ timeout: LIVE_TIMEOUT_MS });
    const scroller = page.getByTestId('messages');
    await scroller.evaluate((el) => {
      el.scrollTop = 200;
    });
    await page.waitForTimeout(200);
    assert.equal(await page.getByTestId('new-messages-pill').count(), 0);
    await b.sendRest(bob, ids.ab, 'while you were up there');
    const pill = page.getByTestId('new-messages-pill');
    await pill.waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.match(await pill.textContent(), /1 new message ↓/);
    await b.sendRest(bob, ids.ab, 'and another');
    await pill.filter({ hasText: '2 new messages' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await shot(page, 'new-messages-pill');
    await pill.click();
    await pill.waitFor({ state: 'detached' });
    await waitUntil(
      async () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48),
      LIVE_TIMEOUT_MS,
      'at the bottom',
    );
    assert.ok(await messageRow(page, 'and another').isVisible());
    // sending herself is no "new message"
    await send(page, 'back at the bottom');
    await messageRow(page, 'back at the bottom').waitFor();
    assert.equal(await pill.count(), 0);
  });

  b.step('a reader who scrolls to the top while the conversation is still catching up gets the older page and is not sent back down', async () => {
    const { bob } = b.users;
    const dora = await b.person('dora', 'Dora Slow');
    const id = await b.conversation(dora, [bob]);
    // her own messages: nothing unread, so no divider to scroll to on opening
    for (let i = 1; i <= 80; i++) await b.sendRest(dora, id, `early ${i}`);
    // the catch-up after the first page (chat.sync on the bridge, or REST afterSeq) answers 1.5 s late
    const HOLD_MS = 1_500;
    await dora.context.routeWebSocket(/\/eventbus/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => (String(m).includes('conversations') ? setTimeout(() => ws.send(m), HOLD_MS) : ws.send(m)));
    });
    await dora.page.route(/\/messages\?.*afterSeq=/, async (route) => {
      await sleep(HOLD_MS);
      await route.continue().catch(() => {});
    });
    const page = dora.page;
    await page.goto(`/c/${id}`);
    await messageRow(page, 'early 80').waitFor();
    assert.equal(await messageRows(page).count(), 50, 'the latest page');
    const scroller = page.getByTestId('messages');
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await waitUntil(async () => (await messageRows(page).count()) === 80, LIVE_TIMEOUT_MS, 'the older page');
    await sleep(HOLD_MS + 500);
    const below = await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    assert.ok(below > 500, `the view went back down (${below} px above the bottom) after the catch-up`);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });
});

/** What has the focus: its data-testid, else its id, else its tag. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return el.dataset.testid ? `${el.dataset.testid}${el.dataset.username ? `:${el.dataset.username}` : ''}` : el.id || el.tagName.toLowerCase();
  });
}

/** The focused element's ring: whether it matches :focus-visible, and its outline. */
async function focusRing(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { visible: el.matches(':focus-visible'), style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
}

function assertRing(ring, what) {
  assert.ok(ring.visible && ring.style !== 'none' && ring.width >= 2, `${what}: no visible focus ring (${JSON.stringify(ring)})`);
}

describe('keyboard', () => {
  b.step('"New" focuses the search, which finds people by a later word of their name; arrows and Enter choose, Escape closes; focus lands sensibly after each action; focus rings are not clipped', async () => {
    const { alice } = b.users;
    await b.person('carol', 'Carol Chen');
    const page = alice.page;
    await page.goto('/');
    await listItem(page, ids.ab).waitFor();

    await page.getByTestId('new-conversation').focus();
    await page.keyboard.press('Enter');
    assert.equal(await focused(page), 'people-search', '"New" puts the focus in the search field');
    await page.keyboard.press('Escape');
    await page.getByTestId('new-conversation-form').waitFor({ state: 'detached' });
    assert.equal(await focused(page), 'new-conversation', 'Escape closes and returns to "New"');
    assertRing(await focusRing(page), '"New" after Escape');

    await page.keyboard.press('Enter');
    await page.keyboard.type('Chen');
    const carol = page.locator('[data-testid="person-result"][data-username="carol"]');
    await carol.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page), 'person-result:carol', 'Down moves into the results');
    const ring = await carol.evaluate((el) => {
      const style = getComputedStyle(el);
      const list = el.closest('.search-results');
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), offset: parseFloat(style.outlineOffset), clips: getComputedStyle(list).overflow !== 'visible' };
    });
    assert.notEqual(ring.style, 'none', 'a visible focus ring');
    assert.ok(ring.width >= 2, `ring ${ring.width}px`);
    assert.ok(!ring.clips || ring.offset <= -ring.width, `the ring is drawn outside a list that clips it (offset ${ring.offset})`);
    await shot(page, 'keyboard-search-result-focus');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(page), 'people-search', 'Up from the first result goes back to the field');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('.chip').filter({ hasText: 'Carol Chen' }).waitFor();
    assert.equal(await focused(page), 'people-search', 'after choosing, back in the field for the next person');
    // Tab reaches "Start conversation"; Enter starts it and lands in the composer
    for (let i = 0; i < 5 && (await focused(page)) !== 'start-conversation'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'start-conversation');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    ids.withCarol = page.url().split('/c/')[1];
    await page.getByTestId('conversation-title').filter({ hasText: 'Carol Chen' }).waitFor();
    await waitUntil(async () => (await focused(page)) === 'composer-input', 5_000, 'the composer focused');
    assertRing(await focusRing(page), 'the composer after starting a conversation');
    await page.keyboard.type('hello Carol');
    await page.keyboard.press('Enter');
    await messageRow(page, 'hello Carol').waitFor();
    assert.equal(await focused(page), 'composer-input', 'still in the composer after sending');

    // the menu: opened from the keyboard, arrows move, Escape returns to its button
    await page.getByTestId('conversation-menu').focus();
    await page.keyboard.press('Enter');
    const items = await page.locator('[role="menuitem"]').evaluateAll((els) => els.map((el) => el.dataset.testid));
    assert.equal(await focused(page), items[0], 'the first item focused');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page), items[1]);
    await page.keyboard.press('End');
    assert.match(await focused(page), /^menu-(remove|block|unblock):carol$/);
    await page.keyboard.press('Escape');
    assert.equal(await focused(page), 'conversation-menu');
    assertRing(await focusRing(page), 'the menu button after Escape');
    await page.locator('[role="menu"]').waitFor({ state: 'detached' });

    // the list: arrows move between conversations, Enter opens one
    await listItem(page, ids.withCarol).focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.conversationId), ids.ab);
    assertRing(await focusRing(page), 'a conversation of the list reached with an arrow');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.conversationId), ids.withCarol);
  });

  b.step('drafts are kept per conversation when switching between them', async () => {
    const { alice } = b.users;
    const page = alice.page;
    const input = page.getByLabel('Message', { exact: true });
    await listItem(page, ids.withCarol).click();
    await input.fill('half a thought for Carol');
    await listItem(page, ids.ab).click();
    await messageRow(page, 'and another').waitFor();
    assert.equal(await input.inputValue(), '');
    await input.fill('something for Bob');
    await listItem(page, ids.withCarol).click();
    await messageRow(page, 'hello Carol').waitFor();
    assert.equal(await input.inputValue(), 'half a thought for Carol');
    await listItem(page, ids.ab).click();
    await messageRow(page, 'and another').waitFor();
    assert.equal(await input.inputValue(), 'something for Bob');
    await page.reload();
    await messageRow(page, 'and another').waitFor();
    assert.equal(await input.inputValue(), 'something for Bob', 'kept across a reload');
    await input.fill('');
  });

  b.step('answering an invitation in the list leaves the focus on something (the conversation, or "New"), not on the page', async () => {
    const { alice, bob } = b.users;
    const page = alice.page;
    await page.goto('/');
    const toLeave = (await b.api(bob, 'POST', '/api/conversations', { participantIds: [alice.id], title: 'Leave me' })).json.id;
    const toAccept = (await b.api(bob, 'POST', '/api/conversations', { participantIds: [alice.id], title: 'Accept me' })).json.id;
    const leave = page.locator(`[data-testid="invite-actions"][data-conversation-id="${toLeave}"] [data-testid="invite-leave"]`);
    await leave.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await leave.focus();
    await page.keyboard.press('Enter');
    await listItem(page, toLeave).waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await waitUntil(async () => (await focused(page)) === 'new-conversation', 5_000, async () => `focus on "New" (now ${await focused(page)})`);
    const accept = page.locator(`[data-testid="invite-actions"][data-conversation-id="${toAccept}"] [data-testid="invite-accept"]`);
    await accept.focus();
    await page.keyboard.press('Enter');
    await accept.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await waitUntil(async () => (await page.evaluate(() => document.activeElement?.dataset.conversationId)) === toAccept, 5_000,
      async () => `focus on the accepted conversation (now ${await focused(page)})`);
  });
});
