// End-to-end tests of the web client in a real browser: Debian's chromium driven by
// playwright-core, against a real Thrume (target/thrume.jar) started by this test on a fresh data
// directory and a free port of 127.0.0.1, stopped by its PID afterwards (and once in the middle,
// to see the client heal). Two users, each in their own browser context (separate storage),
// use the app through its UI as people would: Bob is invited to Alice's conversation and accepts
// it, leaves another from his list, and is removed from a third by Alice's menu.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots of the main screens go to
// target/e2e-screenshots/. Every wait is bounded; only 127.0.0.1 is contacted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO, Thrume } from '../js/thrume-server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const SHOTS = path.join(REPO, 'target', 'e2e-screenshots');
const UI_TIMEOUT_MS = 20_000;
const LIVE_TIMEOUT_MS = 15_000;
/** What "live" means for a conversation that is not open: well inside any periodic refresh of the list. */
const QUICK_MS = 4_000;
/** Documented configuration: relaxed throttles, and a short offline grace (default 10 s). */
const TEST_CONFIG = {
  chat: { sendBurst: 100000, sendPerSecond: 100000.0 },
  auth: { attemptsBurst: 100000, attemptsPerMinute: 100000 },
  presence: { offlineGraceMs: 2000 },
};
const PASSWORD = 'correct horse battery';
const XSS = '<img src=x onerror=alert(1)>';

const server = new Thrume(TEST_CONFIG, 'thrume-web-e2e');
let browser = null;
let profileDir = null;
const users = {}; // name → { context, page, dialogs, errors, username, displayName }
let conversationId = null;
/** The "Long history" conversation (Alice's, Bob invited, then accepted by writing). */
let longId = null;
let failed = false;

/** Polls an async condition until it holds; fails with a description after timeoutMs. */
async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await condition();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === 'function' ? await what() : what} (last: ${JSON.stringify(last)})`);
}

function step(name, fn, timeout = 120_000) {
  test(name, { timeout }, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      for (const [who, u] of Object.entries(users)) {
        if (u.page && !u.page.isClosed()) {
          await u.page.screenshot({ path: path.join(SHOTS, `failure-${who}.png`) }).catch(() => {});
        }
      }
      throw e;
    }
  });
}

async function newUser(name, displayName, viewport = { width: 1200, height: 800 }) {
  const context = await browser.newContext({ viewport, baseURL: server.base });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const u = { name, username: name, displayName, context, page: null, dialogs: [], errors: [], console: [] };
  users[name] = u;
  await openPage(u);
  return u;
}

async function openPage(u) {
  const page = await u.context.newPage();
  page.on('dialog', (d) => {
    u.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => u.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') u.console.push(m.text());
  });
  u.page = page;
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

function messageRows(page) {
  return page.locator('[data-testid="message"]');
}

/** The message row whose content is exactly `text` (or matches a RegExp). */
function messageRow(page, text) {
  const exact = text instanceof RegExp ? text : new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return messageRows(page).filter({ has: page.locator('[data-testid="message-content"]', { hasText: exact }) });
}

async function contentsOf(page) {
  return page.locator('[data-testid="message-content"]').allTextContents();
}

async function deliveryState(page, text) {
  return messageRow(page, text).last().locator('[data-testid="delivery-state"]').getAttribute('data-state', { timeout: 2_000 });
}

/** A conversation's row in the list. */
function listItem(page, id) {
  return page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
}

/** The presence dot of a row of the list (one-to-one conversations show their partner's). */
async function listPresence(page, id) {
  return listItem(page, id).locator('[data-presence]').getAttribute('data-presence', { timeout: 2_000 });
}

async function presenceOf(page, username) {
  return page
    .locator(`[data-testid="participant"][data-username="${username}"] [data-presence]`)
    .getAttribute('data-presence', { timeout: 2_000 });
}

async function send(page, text) {
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
}

async function tokenOf(page) {
  const raw = await page.evaluate(() => localStorage.getItem('thrume.session'));
  return JSON.parse(raw).token;
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await server.start();
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thrume-e2e-chromium-'));
  // launch() runs chromium on a fresh temporary profile of its own; each context below is a
  // separate, empty storage (its own localStorage), like two people on two machines
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    env: { ...process.env, HOME: profileDir, XDG_CONFIG_HOME: profileDir, XDG_CACHE_HOME: profileDir },
  });
});

after(async () => {
  for (const u of Object.values(users)) await u.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server.stop();
  if (failed) console.error(`[e2e] server log (last lines):\n${server.logTail(80)}`);
  server.cleanup(failed);
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
});

// If node --test stops this process (its timeout), still stop Thrume and chromium.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`[e2e] ${sig}: stopping Thrume (pid ${server.pid})`);
    Promise.resolve(browser?.close())
      .catch(() => {})
      .finally(() => server.stop().finally(() => process.exit(1)));
  });
}
process.once('exit', () => server.signal('SIGKILL'));

describe('Thrume web client in a real browser', () => {
  step('the server serves the built client: title Thrume, no-cache index, immutable assets, app routes', async () => {
    const index = await server.api('GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.text, /<title>Thrume<\/title>/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const asset = index.text.match(/src="(\/assets\/[^"]+\.js)"/);
    assert.ok(asset, `no script in index.html: ${index.text}`);
    const js = await server.api('GET', asset[1]);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    const route = await server.api('GET', '/c/00000000-0000-0000-0000-000000000000');
    assert.equal(route.status, 200, 'a client-side route answers the app');
    assert.match(route.text, /<title>Thrume<\/title>/);
    const api404 = await server.api('GET', '/api/no-such-thing');
    assert.notEqual(api404.status, 200);
    assert.doesNotMatch(api404.text, /<title>/);
  });

  step('two people register through the UI (labelled fields), and a wrong login is explained', async () => {
    const alice = await newUser('alice', 'Alice Liddell');
    await alice.page.goto('/');
    await alice.page.waitForURL(/\/login/);
    await alice.page.getByRole('heading', { name: 'Log in to Thrume' }).waitFor();
    await alice.page.getByLabel('Username').fill('alice');
    await alice.page.getByLabel('Password').fill('not her password');
    await alice.page.getByRole('button', { name: 'Log in' }).click();
    const error = await alice.page.getByTestId('auth-error').textContent();
    assert.match(error, /wrong username or password/i);
    await shot(alice.page, 'login');

    await alice.page.getByRole('link', { name: 'Create one' }).click();
    await alice.page.getByRole('heading', { name: 'Create your Thrume account' }).waitFor();
    await alice.page.getByLabel('Username').fill('alice');
    await alice.page.getByLabel('Display name').fill('Alice Liddell');
    await alice.page.getByLabel('Password').fill(PASSWORD);
    await alice.page.getByRole('button', { name: 'Create account' }).click();
    await alice.page.getByTestId('whoami').filter({ hasText: 'Alice Liddell' }).waitFor();

    const bob = await newUser('bob', 'Bob Builder');
    await bob.page.goto('/register');
    await bob.page.getByRole('heading', { name: 'Create your Thrume account' }).waitFor();
    await bob.page.getByLabel('Username').fill('bob');
    await bob.page.getByLabel('Display name').fill('Bob Builder');
    await bob.page.getByLabel('Password').fill(PASSWORD);
    await bob.page.getByRole('button', { name: 'Create account' }).click();
    await bob.page.getByTestId('whoami').filter({ hasText: 'Bob Builder' }).waitFor();
    // both get connected: no banner
    for (const u of [alice, bob]) {
      await u.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    }
  });

  step('Alice finds Bob and starts a conversation; it appears in Bob\'s list live', async () => {
    const { alice, bob } = users;
    await alice.page.getByTestId('new-conversation').click();
    await alice.page.getByLabel('Find people').fill('bo');
    await alice.page.locator('[data-testid="person-result"][data-username="bob"]').click();
    await alice.page.getByTestId('start-conversation').click();
    await alice.page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    conversationId = alice.page.url().split('/c/')[1];
    await alice.page.getByTestId('conversation-title').filter({ hasText: 'Bob Builder' }).waitFor();
    // Bob did nothing: conversation.created on user.<bob> puts it in his list, as an invitation
    await bob.page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await listItem(bob.page, conversationId).getByTestId('invited-tag').waitFor();
    assert.equal(await listItem(alice.page, conversationId).getByTestId('invited-tag').count(), 0, 'the creator is not invited');
  });

  step('invite → accept → chat: while Bob is invited he reads, but Alice learns nothing of him; Accept tells her', async () => {
    const { alice, bob } = users;
    await send(alice.page, 'Hello Bob');
    await waitUntil(async () => ['sent', 'delivered'].includes(await deliveryState(alice.page, 'Hello Bob')), LIVE_TIMEOUT_MS,
      'Hello Bob to be sent');
    await shot(bob.page, 'conversation-list');

    // Bob opens the invitation: he sees the message and the banner; Alice sees no read receipt, no "here now"
    await bob.page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).click();
    await messageRow(bob.page, 'Hello Bob').waitFor();
    const banner = bob.page.getByTestId('invite-banner');
    await banner.waitFor();
    assert.match(await banner.textContent(), /Alice Liddell added you/);
    await shot(bob.page, 'invitation-open');
    await sleep(1_500);
    assert.notEqual(await deliveryState(alice.page, 'Hello Bob'), 'read', 'read while Bob had not accepted');
    assert.equal(await alice.page.getByTestId('here-now').count(), 0, 'Alice saw an invited Bob here');
    assert.equal(await presenceOf(alice.page, 'bob'), 'offline', 'Alice saw an invited Bob online');

    // he accepts: the banner goes, Alice's message turns "read" and she sees him here and online
    await banner.getByTestId('invite-accept').click();
    await banner.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await listItem(bob.page, conversationId).getByTestId('invited-tag').waitFor({ state: 'detached' });
    await waitUntil(async () => (await deliveryState(alice.page, 'Hello Bob')) === 'read', LIVE_TIMEOUT_MS, 'Hello Bob to be read');
    await alice.page.getByTestId('here-now').filter({ hasText: 'Bob Builder' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await waitUntil(async () => (await presenceOf(alice.page, 'bob')) === 'online', LIVE_TIMEOUT_MS, 'Bob online for Alice');
  });

  step('messages go both ways live, in order, once each', async () => {
    const { alice, bob } = users;
    await send(bob.page, 'Hi Alice!\nTwo lines here.');
    await messageRow(alice.page, /Two lines here\.$/).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await send(alice.page, 'How are you?');
    await messageRow(bob.page, 'How are you?').waitFor({ timeout: LIVE_TIMEOUT_MS });
    await send(bob.page, 'Fine, thanks.');
    await messageRow(alice.page, 'Fine, thanks.').waitFor({ timeout: LIVE_TIMEOUT_MS });
    const expected = ['Hello Bob', 'Hi Alice!\nTwo lines here.', 'How are you?', 'Fine, thanks.'];
    for (const u of [alice, bob]) {
      await waitUntil(async () => JSON.stringify(await contentsOf(u.page)) === JSON.stringify(expected), LIVE_TIMEOUT_MS,
        async () => `${u.name}'s messages ${JSON.stringify(await contentsOf(u.page))}`);
    }
    // Shift+Enter adds a line instead of sending
    const input = alice.page.getByLabel('Message', { exact: true });
    await input.fill('line one');
    await input.press('Shift+Enter');
    await input.type('line two');
    assert.equal(await input.inputValue(), 'line one\nline two');
    await input.press('Enter');
    await messageRow(bob.page, /line two$/).waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await messageRow(bob.page, /line two$/).locator('[data-testid="message-content"]').textContent(), 'line one\nline two');
    await waitUntil(async () => (await deliveryState(alice.page, /line two$/)) === 'read', LIVE_TIMEOUT_MS, 'line two read');
    await shot(alice.page, 'conversation');
  });

  step('"is typing…" shows while Bob types and clears when he clears the text', async () => {
    const { alice, bob } = users;
    const input = bob.page.getByLabel('Message', { exact: true });
    await input.type('I am typi', { delay: 30 });
    await alice.page.getByTestId('typing-indicator').filter({ hasText: 'Bob Builder is typing…' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await shot(alice.page, 'typing');
    await input.fill('');
    await alice.page.getByTestId('typing-indicator').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
  });

  step('a message with HTML is shown as text: no element made, no script run', async () => {
    const { alice, bob } = users;
    await send(bob.page, XSS);
    const row = messageRow(alice.page, XSS);
    await row.waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await row.locator('[data-testid="message-content"]').textContent(), XSS);
    assert.equal(await alice.page.locator('[data-testid="messages"] img').count(), 0);
    assert.equal(await bob.page.locator('[data-testid="messages"] img').count(), 0);
    // the sidebar preview too
    assert.equal(await alice.page.locator('[data-testid="conversation-list"] img').count(), 0);
    await sleep(500);
    assert.deepEqual(alice.dialogs, []);
    assert.deepEqual(bob.dialogs, []);
  });

  step('a message the server refuses is shown failed, with Retry and Discard', async () => {
    const { alice, bob } = users;
    const text = 'a bell \u0007 is a control character';
    await send(alice.page, text);
    await waitUntil(async () => (await deliveryState(alice.page, text)) === 'failed', LIVE_TIMEOUT_MS, 'the refused message failed');
    const row = messageRow(alice.page, text);
    const reason = await row.getByTestId('failed-reason').textContent();
    assert.ok(reason && reason.trim().length > 3, `the server's reason is shown (${reason})`);
    await row.getByTestId('retry-send').click(); // refused again: still failed, still once
    await waitUntil(async () => (await deliveryState(alice.page, text)) === 'failed', LIVE_TIMEOUT_MS, 'failed again after retry');
    assert.equal(await row.count(), 1);
    await row.getByRole('button', { name: 'Discard' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await messageRow(bob.page, text).count(), 0);
  });

  step('Bob\'s presence dot turns off when he closes his page and on when he comes back', async () => {
    const { alice, bob } = users;
    assert.equal(await presenceOf(alice.page, 'bob'), 'online');
    await bob.page.close();
    // offline after the server's grace (2 s in this test's configuration)
    await waitUntil(async () => (await presenceOf(alice.page, 'bob')) === 'offline', LIVE_TIMEOUT_MS, 'Bob offline');
    await alice.page.getByTestId('here-now').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    // back, still logged in from the kept session, straight into the conversation
    const page = await openPage(bob);
    await page.goto(`/c/${conversationId}`);
    await page.getByTestId('whoami').filter({ hasText: 'Bob Builder' }).waitFor();
    await waitUntil(async () => (await presenceOf(alice.page, 'bob')) === 'online', LIVE_TIMEOUT_MS, 'Bob online again');
    await messageRow(page, 'Fine, thanks.').waitFor();
  });

  step('a reload keeps Alice logged in; older history pages in when she scrolls to the top', async () => {
    const { alice } = users;
    const token = await tokenOf(alice.page);
    const me = (await server.api('GET', '/api/accounts/me', { token })).json;
    const bobId = (await server.api('GET', '/api/accounts?search=bob', { token })).json[0].id;
    const created = await server.api('POST', '/api/conversations', { token, body: { participantIds: [bobId], title: 'Long history' } });
    assert.equal(created.status, 201);
    longId = created.json.id;
    for (let i = 1; i <= 120; i++) {
      const r = await server.api('POST', `/api/conversations/${longId}/messages`, {
        token,
        body: { content: `history ${i}`, clientMessageId: randomUUID() },
      });
      assert.equal(r.status, 201, r.text);
    }
    assert.ok(me.id);
    await alice.page.goto(`/c/${longId}`);
    await alice.page.getByTestId('whoami').filter({ hasText: 'Alice Liddell' }).waitFor();
    await messageRow(alice.page, 'history 120').waitFor();
    const first = await messageRows(alice.page).count();
    assert.equal(first, 50, 'the latest page first');
    // scroll to the top: the page before comes in, and the view stays where the reader was
    const scroller = alice.page.getByTestId('messages');
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await waitUntil(async () => (await messageRows(alice.page).count()) >= 100, LIVE_TIMEOUT_MS, 'older messages');
    const top = await scroller.evaluate((el) => el.scrollTop);
    assert.ok(top > 0, `the view jumped to the very top (${top}) instead of staying on what was read`);
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await messageRow(alice.page, 'history 1').waitFor({ timeout: LIVE_TIMEOUT_MS });
    await alice.page.getByText('Beginning of the conversation').waitFor();
    const all = await contentsOf(alice.page);
    assert.deepEqual(all, Array.from({ length: 120 }, (_, i) => `history ${i + 1}`));
    // reading old messages: a new one does not yank the view down
    const before = await scroller.evaluate((el) => el.scrollTop);
    const r = await server.api('POST', `/api/conversations/${longId}/messages`, {
      token: await tokenOf(users.bob.page),
      body: { content: 'history new', clientMessageId: randomUUID() },
    });
    assert.equal(r.status, 201);
    await messageRow(alice.page, 'history new').waitFor({ state: 'attached', timeout: LIVE_TIMEOUT_MS });
    await sleep(300);
    const afterTop = await scroller.evaluate((el) => el.scrollTop);
    assert.ok(Math.abs(afterTop - before) < 5, `view moved from ${before} to ${afterTop}`);
    await alice.page.goto(`/c/${conversationId}`);
    await messageRow(alice.page, 'Fine, thanks.').waitFor();
  });

  step('a conversation that is not open updates live in the list (preview, unread, delivered), and its partner\'s dot follows him', async () => {
    const { alice, bob } = users;
    // Alice is on the list, with no conversation open; Bob has theirs open
    await alice.page.goto('/');
    await alice.page.getByTestId('whoami').filter({ hasText: 'Alice Liddell' }).waitFor();
    await alice.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    assert.equal(await alice.page.getByTestId('conversation-view').count(), 0);
    const item = listItem(alice.page, conversationId);
    await waitUntil(async () => (await listPresence(alice.page, conversationId)) === 'online', LIVE_TIMEOUT_MS, 'Bob online in the list');

    // each message shows in the list at once: the conversation is registered although it is not open
    for (let i = 1; i <= 3; i++) {
      const text = `not open ${i}`;
      await send(bob.page, text);
      const preview = () => item.getByTestId('item-preview').textContent({ timeout: 500 });
      await waitUntil(async () => (await preview()) === `Bob Builder: ${text}`, QUICK_MS,
        async () => `the preview of "${text}" in Alice's list (shows "${await preview()}")`);
      const badge = () => item.getByTestId('unread-badge').textContent({ timeout: 500 }).catch(() => '');
      await waitUntil(async () => (await badge()).trim() === String(i), QUICK_MS, async () => `the unread badge at ${i} (shows "${await badge()}")`);
    }
    // Alice's client has them: delivered, not read
    await waitUntil(async () => (await deliveryState(bob.page, 'not open 3')) === 'delivered', LIVE_TIMEOUT_MS, '"not open 3" delivered');
    await shot(alice.page, 'conversation-list-live');

    // Bob's dot in Alice's list follows him (presence.watch of the list's one-to-one partners)
    await bob.page.close();
    await waitUntil(async () => (await listPresence(alice.page, conversationId)) === 'offline', LIVE_TIMEOUT_MS, 'Bob offline in the list');
    const page = await openPage(bob);
    await page.goto(`/c/${conversationId}`);
    await page.getByTestId('whoami').filter({ hasText: 'Bob Builder' }).waitFor();
    await messageRow(page, 'not open 3').waitFor();
    await waitUntil(async () => (await listPresence(alice.page, conversationId)) === 'online', LIVE_TIMEOUT_MS, 'Bob online in the list again');

    // Alice opens it: read, badge gone, and she is told that Bob is here already
    await item.click();
    await messageRow(alice.page, 'not open 3').waitFor();
    await alice.page.getByTestId('here-now').filter({ hasText: 'Bob Builder' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await item.getByTestId('unread-badge').waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await waitUntil(async () => (await deliveryState(page, 'not open 3')) === 'read', LIVE_TIMEOUT_MS, '"not open 3" read');
    await page.getByTestId('here-now').filter({ hasText: 'Alice Liddell' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
  });

  step('the server stops and starts while Alice sends: banner, queued message, delivered exactly once', async () => {
    const { alice, bob } = users;
    await alice.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    await server.stop();
    const banner = alice.page.getByTestId('connection-banner');
    await banner.waitFor({ timeout: LIVE_TIMEOUT_MS });
    const text = 'Sent while the server was down';
    await send(alice.page, text);
    await waitUntil(async () => (await deliveryState(alice.page, text)) === 'pending', 5_000, 'the queued message shown pending');
    await shot(alice.page, 'disconnected-banner');
    assert.match(await banner.textContent(), /Reconnecting|Disconnected/);

    await server.start(); // same data directory and port
    await banner.waitFor({ state: 'hidden', timeout: 90_000 });
    await waitUntil(async () => ['sent', 'delivered', 'read'].includes(await deliveryState(alice.page, text)), LIVE_TIMEOUT_MS,
      'the queued message sent');
    await bob.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: 90_000 });
    await messageRow(bob.page, text).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await sleep(1_000);
    assert.equal(await messageRow(alice.page, text).count(), 1, 'Alice sees it once');
    assert.equal(await messageRow(bob.page, text).count(), 1, 'Bob sees it once');
    const stored = await server.api('GET', `/api/conversations/${conversationId}/messages?afterSeq=0&limit=200`, { token: await tokenOf(bob.page) });
    assert.equal(stored.status, 200);
    assert.equal(stored.json.messages.filter((m) => m.content === text).length, 1, 'stored exactly once');
    const seqs = stored.json.messages.map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    // and live traffic works again both ways
    await send(bob.page, 'Welcome back');
    await messageRow(alice.page, 'Welcome back').waitFor({ timeout: LIVE_TIMEOUT_MS });
    // views and watches ended with the old sockets: both clients sent them again
    await alice.page.getByTestId('here-now').filter({ hasText: 'Bob Builder' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await bob.page.getByTestId('here-now').filter({ hasText: 'Alice Liddell' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await waitUntil(async () => (await presenceOf(alice.page, 'bob')) === 'online', LIVE_TIMEOUT_MS, 'Bob online after the restart');
  }, 240_000);

  step('leave → gone: Bob leaves an invitation from his list, Alice removes him from another with her menu; Bob blocks and unblocks, from the menu and from his list of blocked people', async () => {
    const { alice, bob } = users;
    const token = await tokenOf(alice.page);
    const bobId = (await server.api('GET', '/api/accounts?search=bob', { token })).json[0].id;
    const created = await server.api('POST', '/api/conversations', { token, body: { participantIds: [bobId], title: 'Leave me' } });
    assert.equal(created.status, 201, created.text);
    const leaveId = created.json.id;
    await alice.page.goto(`/c/${leaveId}`);
    await alice.page.locator('[data-testid="participant"][data-username="bob"][data-status="invited"]').waitFor();

    // in Bob's list: an invitation with Accept and Leave; he leaves, and it is gone (for Alice too, live)
    const invite = bob.page.locator(`[data-testid="invite-actions"][data-conversation-id="${leaveId}"]`);
    await invite.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await listItem(bob.page, leaveId).getByTestId('invited-tag').waitFor();
    await shot(bob.page, 'invitation-in-list');
    await invite.getByTestId('invite-leave').click();
    await listItem(bob.page, leaveId).waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await alice.page.locator('[data-testid="participant"][data-username="bob"]').waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    assert.equal((await server.api('GET', `/api/conversations/${leaveId}`, { token: await tokenOf(bob.page) })).status, 404);

    // Alice, the creator of "Long history", removes Bob with her menu: it leaves Bob's list live
    await listItem(bob.page, longId).waitFor();
    await alice.page.goto(`/c/${longId}`);
    await alice.page.getByTestId('conversation-menu').click();
    await shot(alice.page, 'conversation-menu');
    await alice.page.locator('[data-testid="menu-remove"][data-username="bob"]').click();
    await listItem(bob.page, longId).waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await alice.page.locator('[data-testid="participant"][data-username="bob"]').waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });

    // Bob blocks Alice from their conversation's menu, and unblocks her
    await listItem(bob.page, conversationId).click();
    await messageRow(bob.page, 'Welcome back').waitFor();
    await bob.page.getByTestId('conversation-menu').click();
    assert.equal(await bob.page.getByTestId('menu-remove').count(), 0, 'only the creator may remove');
    await bob.page.locator('[data-testid="menu-block"][data-username="alice"]').click();
    await bob.page.locator('[data-testid="participant"][data-username="alice"] [data-testid="blocked-tag"]').waitFor();
    const blocks = await server.api('GET', '/api/blocks', { token: await tokenOf(bob.page) });
    assert.deepEqual(blocks.json.map((a) => a.username), ['alice']);
    await bob.page.getByTestId('conversation-menu').click();
    await bob.page.locator('[data-testid="menu-unblock"][data-username="alice"]').click();
    await bob.page.locator('[data-testid="blocked-tag"]').waitFor({ state: 'detached' });
    assert.deepEqual((await server.api('GET', '/api/blocks', { token: await tokenOf(bob.page) })).json, []);

    // an unwanted invitation: "Leave and block" takes it out of Bob's list, Alice can add him to
    // nothing any more, and Bob's list of blocked people shows her until he unblocks her there
    const spam = await server.api('POST', '/api/conversations', { token, body: { participantIds: [bobId], title: 'Spam' } });
    assert.equal(spam.status, 201, spam.text);
    await listItem(bob.page, spam.json.id).click();
    await bob.page.getByTestId('invite-block').filter({ hasText: 'Alice Liddell' }).click();
    await listItem(bob.page, spam.json.id).waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
    await bob.page.waitForURL((url) => !url.pathname.startsWith('/c/'));
    const refused = await server.api('POST', '/api/conversations', { token, body: { participantIds: [bobId], title: 'Spam again' } });
    assert.equal(refused.status, 403, refused.text);
    const blockedPeople = bob.page.getByTestId('blocked-people');
    await blockedPeople.locator('summary').filter({ hasText: 'Blocked people (1)' }).click();
    const row = blockedPeople.locator('[data-testid="blocked-person"][data-username="alice"]');
    await row.waitFor();
    await shot(bob.page, 'blocked-people');
    await row.getByTestId('blocked-unblock').click();
    await row.waitFor({ state: 'detached' });
    await blockedPeople.locator('summary').filter({ hasText: 'Blocked people (0)' }).waitFor();
    assert.deepEqual((await server.api('GET', '/api/blocks', { token: await tokenOf(bob.page) })).json, []);
    await alice.page.goto(`/c/${conversationId}`);
    await messageRow(alice.page, 'Welcome back').waitFor();
  });

  step('phone width: the list and the conversation are separate screens', async () => {
    const { alice } = users;
    const state = await alice.context.storageState();
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, baseURL: server.base, storageState: state, isMobile: true, hasTouch: true });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    users.phone = { name: 'phone', context, page: null, dialogs: [], errors: [], console: [] };
    const page = await openPage(users.phone);
    await page.goto('/');
    const item = page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);
    await item.waitFor();
    assert.equal(await page.getByTestId('conversation-view').count(), 0);
    await shot(page, 'phone-list');
    await item.click();
    await messageRow(page, 'Welcome back').waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Conversations' }).isVisible(), false, 'the list is hidden');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scrolling at phone width (scrollWidth ${width})`);
    await shot(page, 'phone-conversation');
    await page.getByRole('link', { name: 'Back to conversations' }).click();
    await item.waitFor();
  });

  step('logging out (confirmed) goes back to the login screen, logging in works; no page error happened anywhere', async () => {
    const { alice } = users;
    await alice.page.getByTestId('logout').click();
    // "Log out" asks first (sessions.test.js covers what the server does then)
    await alice.page.getByTestId('logout-yes').click();
    await alice.page.waitForURL(/\/login/);
    await alice.page.getByTestId('auth-notice').filter({ hasText: 'logged out' }).waitFor();
    // and logs in again through the form
    await alice.page.getByLabel('Username').fill('alice');
    await alice.page.getByLabel('Password').fill(PASSWORD);
    await alice.page.getByRole('button', { name: 'Log in' }).click();
    await alice.page.getByTestId('whoami').filter({ hasText: 'Alice Liddell' }).waitFor();
    await alice.page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).waitFor();
    for (const u of Object.values(users)) {
      assert.deepEqual(u.errors, [], `${u.name}: uncaught errors in the page`);
      assert.deepEqual(u.dialogs, [], `${u.name}: dialogs`);
      const csp = u.console.filter((m) => /Content Security Policy/i.test(m));
      assert.deepEqual(csp, [], `${u.name}: CSP violations`);
    }
  });
});
