// Issue 16 in a real browser (Debian chromium + playwright-core) against a real Thrume
// (target/thrume.jar, fresh data directory, stopped by its PID): every conversation of the list is
// live, the tab's title counts what is unread, desktop notifications while the page is hidden;
// reconnecting; presence across tabs and "last seen"; receipts after a reload.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots go to target/e2e-screenshots/.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Thrume } from '../js/thrume-server.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Browsers, closeSockets, countdown, holdFrames, deliveryState, listItem, LIVE_TIMEOUT_MS, messageRow, send, shot, startedAround, TEST_CONFIG, waitUntil } from './support.mjs';

async function presenceOf(page, username) {
  return page.locator(`[data-testid="participant"][data-username="${username}"] [data-presence]`).getAttribute('data-presence', { timeout: 2_000 });
}

/** "Live" for a conversation that is not open: within a second of the server storing the message. */
const LIVE_MS = 1_000;

/** Clients told to come back within 6 s when the server stops (http.drainMs). */
const server = new Thrume({ ...TEST_CONFIG, http: { drainMs: 6000 } }, 'thrume-live-e2e');
const b = new Browsers(server, 'live');
const ids = {};

startedAround(server, b);

async function firstItemId(page) {
  return page.locator('[data-testid="conversation-item"]').first().getAttribute('data-conversation-id', { timeout: 500 });
}

describe('every conversation is live', () => {
  b.step('a message in a conversation that is not open updates its preview, order and badge within 1 s; the title counts unread', async () => {
    const alice = await b.person('alice', 'Alice Liddell', { notifications: true });
    const bob = await b.person('bob', 'Bob Builder');
    const carol = await b.person('carol', 'Carol Chen');
    ids.ab = await b.conversation(alice, [bob]);
    ids.ac = await b.conversation(alice, [carol]);
    await b.sendRest(carol, ids.ac, 'Carol was here last');
    const page = alice.page;
    await page.goto(`/c/${ids.ac}`);
    await listItem(page, ids.ab).waitFor();
    await waitUntil(async () => (await firstItemId(page)) === ids.ac, LIVE_TIMEOUT_MS, 'the conversation with Carol first');
    assert.equal(await page.title(), 'Thrume');

    for (let i = 1; i <= 3; i++) {
      const text = `elsewhere ${i}`;
      await b.sendRest(bob, ids.ab, text);
      const item = listItem(page, ids.ab);
      const took = await waitUntil(async () => {
        const preview = await item.getByTestId('item-preview').textContent({ timeout: 200 });
        const badge = await item.getByTestId('unread-badge').textContent({ timeout: 200 }).catch(() => '');
        return preview === `Bob Builder: ${text}` && badge.trim() === String(i) && (await firstItemId(page)) === ids.ab &&
          (await page.title()) === `(${i}) Thrume`;
      }, LIVE_TIMEOUT_MS, async () => `preview, badge ${i}, first place and title "(${i}) Thrume" (title now "${await page.title()}")`);
      assert.ok(took <= LIVE_MS, `"${text}" showed in Alice's list after ${took} ms (more than ${LIVE_MS})`);
    }
    await shot(page, 'live-list-unread-title');
  });

  b.step('a desktop notification appears for a message while the page is hidden (permission granted), none while visible', async () => {
    const { alice, bob } = b.users;
    const page = alice.page;
    assert.equal(await page.evaluate(() => Notification.permission), 'granted');
    assert.equal(await page.getByTestId('enable-notifications').count(), 0, 'no offer once allowed');
    assert.deepEqual(await page.evaluate(() => window.__notifications), [], 'nothing notified while visible');
    await page.evaluate(() => window.__setHidden(true));
    await b.sendRest(bob, ids.ab, 'are you there?');
    const took = await waitUntil(async () => (await page.evaluate(() => window.__notifications.length)) > 0, LIVE_TIMEOUT_MS, 'a notification');
    assert.ok(took <= LIVE_MS, `notified after ${took} ms`);
    const [n] = await page.evaluate(() => window.__notifications);
    assert.equal(n.title, 'Bob Builder');
    assert.equal(n.body, 'are you there?');
    assert.equal(n.tag, ids.ab);
    assert.equal(await page.title(), '(4) Thrume');
    // her own message from another device is no news
    await b.sendRest(alice, ids.ac, 'from my phone');
    await listItem(page, ids.ac).getByTestId('item-preview').filter({ hasText: 'You: from my phone' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await page.evaluate(() => window.__notifications.length), 1);
    // clicking the notification opens its conversation, which reads it: the badge and the title's count go
    await page.evaluate(() => window.__setHidden(false));
    await page.evaluate(() => window.__notificationObjects[0].onclick());
    await page.waitForURL(new RegExp(`/c/${ids.ab}$`));
    await waitUntil(async () => (await page.title()) === 'Thrume', LIVE_TIMEOUT_MS, 'the title without a count');
  });

  b.step('a browser that has not decided yet is offered notifications in the list', async () => {
    const dave = await b.person('dave', 'Dave Doe');
    assert.equal(await dave.page.evaluate(() => Notification.permission), 'default');
    await dave.page.getByTestId('enable-notifications').waitFor();
    await shot(dave.page, 'live-notifications-offer');
    // "Not now" takes it away, also after a reload
    await dave.page.getByTestId('decline-notifications').click();
    await dave.page.getByTestId('enable-notifications').waitFor({ state: 'detached' });
    await dave.page.reload();
    await dave.page.getByTestId('whoami').waitFor();
    assert.equal(await dave.page.getByTestId('enable-notifications').count(), 0);
  });
});

describe('reconnecting', () => {
  b.step('a draining server\'s "reconnect in N ms" is waited out (a visibility change does not cut it short); the backoff never waits more than 10 s, so a server back is found within 10 s', async () => {
    const { alice } = b.users;
    const page = alice.page;
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    alice.tickets.length = 0;
    alice.drains.length = 0;
    const stopped = server.stop();
    await waitUntil(async () => alice.drains.length > 0, LIVE_TIMEOUT_MS, 'the drain notice');
    const [drain] = alice.drains;
    await page.evaluate(() => window.__setHidden(true));
    await page.evaluate(() => window.__setHidden(false));
    await stopped;
    await waitUntil(async () => alice.tickets.length > 0, LIVE_TIMEOUT_MS, 'a new attempt after the drain');
    const waited = alice.tickets[0] - drain.at;
    assert.ok(waited >= drain.ms - 150, `told to come back in ${drain.ms} ms, asked for a ticket after ${waited} ms`);
    assert.ok(waited <= drain.ms + 2_000, `told to come back in ${drain.ms} ms, waited ${waited} ms`);

    // the server stays away: attempts back off, never more than 10 s apart
    const seen = [];
    await waitUntil(async () => {
      const s = await countdown(page);
      if (s !== null) seen.push(s);
      return alice.tickets.length >= 7;
    }, 60_000, 'seven attempts');
    const gaps = alice.tickets.slice(1).map((t, i) => t - alice.tickets[i]);
    assert.ok(Math.max(...gaps) <= 10_500, `attempts ${JSON.stringify(gaps)} ms apart`);
    assert.ok(Math.max(...seen) <= 10, `a countdown of ${Math.max(...seen)} s was shown`);
    await shot(page, 'reconnect-backoff');
    await server.start();
    const ready = Date.now();
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: 30_000 });
    const back = Date.now() - ready;
    assert.ok(back <= 11_500, `connected ${back} ms after the server was ready`);
  }, 180_000);

  b.step('the page becoming visible or the browser coming back online reconnects at once instead of waiting the backoff', async () => {
    const erin = await b.person('erin', 'Erin Example', { routeSockets: true });
    const page = erin.page;
    for (const how of ['visible', 'online']) {
      await page.route('**/api/realtime/ticket', (route) => route.abort());
      await closeSockets(erin);
      await waitUntil(async () => ((await countdown(page)) ?? 0) >= 5, 40_000, async () => `a countdown of 5 s or more (${how})`);
      await page.unroute('**/api/realtime/ticket');
      const at = Date.now();
      if (how === 'visible') {
        await page.evaluate(() => window.__setHidden(true));
        await sleep(100);
        await page.evaluate(() => window.__setHidden(false));
      } else {
        await erin.context.setOffline(true);
        await sleep(100);
        await erin.context.setOffline(false);
      }
      await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: 20_000 });
      const took = Date.now() - at;
      assert.ok(took <= 2_500, `${how}: connected after ${took} ms`);
    }
  }, 150_000);

  b.step('an invitation sent while a new socket\'s register is still on its way shows in the list: the client reads the list only once the server has answered it on that socket', async () => {
    const { alice } = b.users;
    const frank = await b.person('frank', 'Frank Late', { routeSockets: true });
    const page = frank.page;
    // the next socket's frames (user.<frank>'s register first) reach the server 3 s after it opens
    const opened = holdFrames(frank, 3_000);
    await closeSockets(frank);
    await opened;
    // long enough for a list read at once to have been answered, well before the register arrives
    await sleep(1_000);
    const invited = (await b.api(alice, 'POST', '/api/conversations', { participantIds: [frank.id], title: 'Sent while registering' })).json.id;
    await page.locator(`[data-testid="invite-actions"][data-conversation-id="${invited}"]`).waitFor({ timeout: LIVE_TIMEOUT_MS });
  }, 90_000);
});

describe('presence', () => {
  b.step('presence follows the most present of a user\'s tabs: one tab hidden or closed while another is visible stays "online"; offline shows "last seen"', async () => {
    const { alice, bob } = b.users;
    const page = alice.page;
    await page.goto(`/c/${ids.ab}`);
    await waitUntil(async () => (await presenceOf(page, 'bob')) === 'online', LIVE_TIMEOUT_MS, 'Bob online');
    const first = bob.page;
    const second = await b.openPage(bob);
    await second.goto(`/c/${ids.ab}`);
    await second.getByTestId('whoami').waitFor();
    await second.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });

    /** Samples Bob's dot on Alice's screen for ms: every state seen. */
    const watchFor = async (ms) => {
      const seen = new Set();
      const end = Date.now() + ms;
      while (Date.now() < end) {
        seen.add(await presenceOf(page, 'bob'));
        await page.waitForTimeout(100);
      }
      return [...seen];
    };
    await second.evaluate(() => window.__setHidden(true));
    assert.deepEqual(await watchFor(1_500), ['online'], 'a hidden tab beside a visible one');
    await first.evaluate(() => window.__setHidden(true));
    await waitUntil(async () => (await presenceOf(page, 'bob')) === 'away', LIVE_TIMEOUT_MS, 'Bob away (both tabs hidden)');
    await second.evaluate(() => window.__setHidden(false));
    await waitUntil(async () => (await presenceOf(page, 'bob')) === 'online', LIVE_TIMEOUT_MS, 'Bob online again');
    // he closes the hidden tab, then the visible one becomes hidden on closing (as browsers do) while the first is visible
    await first.close();
    assert.deepEqual(await watchFor(3_000), ['online'], 'one tab closed, the other visible');
    await first.context().pages(); // (the context stays)
    const third = await b.openPage(bob);
    await third.goto(`/c/${ids.ab}`);
    await third.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    await second.evaluate(() => window.__setHidden(true));
    await second.close();
    assert.deepEqual(await watchFor(3_000), ['online'], 'a tab that went hidden while closing, beside a visible one');
    await shot(page, 'presence-two-tabs');

    await third.close();
    await waitUntil(async () => (await presenceOf(page, 'bob')) === 'offline', LIVE_TIMEOUT_MS, 'Bob offline');
    const lastSeen = page.locator('[data-testid="participant"][data-username="bob"] [data-testid="last-seen"]');
    await lastSeen.waitFor();
    assert.match(await lastSeen.textContent(), /^last seen (just now|\d+ min ago)$/);
    await shot(page, 'presence-last-seen');
    bob.page = await b.openPage(bob);
    await bob.page.goto('/');
    await bob.page.getByTestId('whoami').waitFor();
  });
});

describe('receipts', () => {
  b.step('"delivered" within 1 s of reaching the recipient\'s client, with the conversation closed and with it open in a hidden page (read only once shown); after a reload receipts show as they were', async () => {
    const { alice, bob } = b.users;
    const page = alice.page;
    await page.goto(`/c/${ids.ab}`);
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    await bob.page.goto('/');
    await listItem(bob.page, ids.ab).waitFor();
    await bob.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });

    await send(page, 'to be read');
    const took = await waitUntil(async () => (await deliveryState(page, 'to be read').catch(() => null)) === 'delivered', LIVE_TIMEOUT_MS,
      async () => `"to be read" delivered (now ${await deliveryState(page, 'to be read').catch(() => '?')})`);
    assert.ok(took <= 1_000, `delivered ${took} ms after sending, with Bob's conversation closed`);
    await listItem(bob.page, ids.ab).click();
    await messageRow(bob.page, 'to be read').waitFor();
    await waitUntil(async () => (await deliveryState(page, 'to be read')) === 'read', LIVE_TIMEOUT_MS, '"to be read" read');
    // the conversation open on Bob's screen, his page hidden: delivered within 1 s too, read only once he looks
    await bob.page.evaluate(() => window.__setHidden(true));
    await send(page, 'open but hidden');
    const tookOpen = await waitUntil(async () => (await deliveryState(page, 'open but hidden').catch(() => null)) === 'delivered', LIVE_TIMEOUT_MS,
      async () => `"open but hidden" delivered (now ${await deliveryState(page, 'open but hidden').catch(() => '?')})`);
    assert.ok(tookOpen <= 1_000, `delivered ${tookOpen} ms after sending, with Bob's conversation open (page hidden)`);
    await messageRow(bob.page, 'open but hidden').waitFor();
    await sleep(1_000);
    assert.equal(await deliveryState(page, 'open but hidden'), 'delivered', 'not read while his page is hidden');
    await bob.page.evaluate(() => window.__setHidden(false));
    await waitUntil(async () => (await deliveryState(page, 'open but hidden')) === 'read', LIVE_TIMEOUT_MS, '"open but hidden" read once he looks');
    await bob.page.goto('/');
    await listItem(bob.page, ids.ab).waitFor();
    await bob.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    await send(page, 'only delivered');
    await waitUntil(async () => (await deliveryState(page, 'only delivered')) === 'delivered', LIVE_TIMEOUT_MS, '"only delivered" delivered');

    await page.reload();
    await messageRow(page, 'only delivered').waitFor();
    assert.equal(await deliveryState(page, 'to be read'), 'read', 'read after the reload');
    assert.equal(await deliveryState(page, 'open but hidden'), 'read', 'read after the reload');
    assert.equal(await deliveryState(page, 'only delivered'), 'delivered', 'delivered after the reload');
    await shot(page, 'receipts-after-reload');
  });
});
