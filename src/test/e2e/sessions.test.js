// End-to-end test of sessions in the web client (docs/web-client.md, "Sessions"): Debian's
// chromium driven by playwright-core against a real Thrume (target/thrume.jar) whose access tokens
// live one minute. The client refreshes them, so the user stays logged in; a session ended
// elsewhere sends the user to the login screen with the draft kept and returns to the conversation
// after login; "Log out" asks first, then ends the session on the server.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Every wait is bounded; only 127.0.0.1 is contacted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO, Thrume } from '../js/thrume-server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const SHOTS = path.join(REPO, 'target', 'e2e-screenshots');
const UI_TIMEOUT_MS = 20_000;
const PASSWORD = 'correct horse battery';
/** Access tokens of one minute (documented key auth.tokenMinutes), relaxed throttles. */
const TEST_CONFIG = {
  auth: { tokenMinutes: 1, attemptsBurst: 100000, attemptsPerMinute: 100000 },
  chat: { sendBurst: 100000, sendPerSecond: 100000.0 },
};

const server = new Thrume(TEST_CONFIG, 'thrume-sessions-e2e');
let browser = null;
let profileDir = null;
let context = null;
let page = null;
let conversationId = null;
let failed = false;
const errors = [];

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
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${JSON.stringify(last)})`);
}

function step(name, fn, timeout = 150_000) {
  test(name, { timeout }, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      if (page && !page.isClosed()) await page.screenshot({ path: path.join(SHOTS, 'failure-sessions.png') }).catch(() => {});
      throw e;
    }
  });
}

async function stored() {
  const raw = await page.evaluate(() => localStorage.getItem('thrume.session'));
  return raw ? JSON.parse(raw) : null;
}

async function logInThroughUi(username) {
  await page.getByRole('heading', { name: 'Log in to Thrume' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('whoami').waitFor();
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await server.start();
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thrume-e2e-chromium-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    env: { ...process.env, HOME: profileDir, XDG_CONFIG_HOME: profileDir, XDG_CACHE_HOME: profileDir },
  });
  context = await browser.newContext({ viewport: { width: 1200, height: 800 }, baseURL: server.base });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server.stop();
  if (failed) console.error(`[e2e] server log (last lines):\n${server.logTail(80)}`);
  server.cleanup(failed);
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    Promise.resolve(browser?.close())
      .catch(() => {})
      .finally(() => server.stop().finally(() => process.exit(1)));
  });
}
process.once('exit', () => server.signal('SIGKILL'));

describe('sessions in the web client', () => {
  step('Carol logs in and opens her conversation with Dave', async () => {
    for (const [username, displayName] of [['carol', 'Carol Ann'], ['dave', 'Dave Day']]) {
      const r = await server.api('POST', '/api/auth/register', { body: { username, password: PASSWORD, displayName } });
      assert.equal(r.status, 201, r.text);
    }
    const carol = await server.api('POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } });
    const dave = await server.api('POST', '/api/auth/login', { body: { username: 'dave', password: PASSWORD } });
    const created = await server.api('POST', '/api/conversations', {
      token: carol.json.token,
      body: { participantIds: [dave.json.account.id] },
    });
    assert.equal(created.status, 201, created.text);
    conversationId = created.json.id;
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await logInThroughUi('carol');
    await page.goto(`/c/${conversationId}`);
    await page.getByTestId('conversation-title').filter({ hasText: 'Dave Day' }).waitFor();
  });

  step('with one-minute access tokens she stays logged in: the client refreshes them', async () => {
    const first = await stored();
    assert.ok(first.refreshToken, 'the session keeps a refresh token');
    const firstExpiry = Date.parse(first.expiresAt);
    const renewed = await waitUntil(async () => {
      const now = await stored();
      return now && now.token !== first.token ? now : null;
    }, 80_000, 'a refreshed token');
    assert.notEqual(renewed.refreshToken, first.refreshToken, 'the refresh token rotated');
    assert.ok(Date.parse(renewed.expiresAt) > firstExpiry);
    // past the first token's expiry: the server refuses it, the page goes on
    await waitUntil(async () => Date.now() > firstExpiry + 2_000, 70_000, 'the first token to expire');
    assert.equal((await server.api('GET', '/api/accounts/me', { token: first.token })).status, 401);
    await page.reload();
    await page.getByTestId('conversation-title').filter({ hasText: 'Dave Day' }).waitFor();
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('still here');
    await input.press('Enter');
    await page.locator('[data-testid="message-content"]', { hasText: /^still here$/ }).waitFor();
    assert.equal(await page.getByTestId('auth-notice').count(), 0);
    assert.match(page.url(), new RegExp(`/c/${conversationId}$`));
  });

  step('a session ended elsewhere: login screen with a reason, then back to the conversation with the draft', async () => {
    await page.getByLabel('Message', { exact: true }).fill('half a thought, not sent');
    // another device of Carol's logs out everywhere
    const other = await server.api('POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } });
    assert.equal((await server.api('POST', '/api/auth/logout-all', { token: other.json.token })).status, 204);
    await page.waitForURL(/\/login\?next=/, { timeout: 20_000 });
    assert.match(await page.getByTestId('auth-notice').textContent(), /logged out/i);
    assert.equal(await stored(), null);
    await page.screenshot({ path: path.join(SHOTS, 'session-ended.png') });
    await logInThroughUi('carol');
    await page.waitForURL(new RegExp(`/c/${conversationId}$`));
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'half a thought, not sent');
  });

  step('"Log out" asks first, then ends the session on the server', async () => {
    const before = await stored();
    await page.getByTestId('logout').click();
    await page.getByTestId('logout-confirm').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'logout-confirm.png') });
    await page.getByTestId('logout-no').click();
    await page.getByTestId('logout-confirm').waitFor({ state: 'hidden' });
    assert.equal((await stored()).token, before.token, 'cancel changes nothing');

    await page.getByTestId('logout').click();
    await page.getByTestId('logout-yes').click();
    await page.waitForURL(/\/login$/);
    assert.match(await page.getByTestId('auth-notice').textContent(), /You have logged out/);
    assert.equal(await stored(), null);
    const drafts = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('thrume.draft.')));
    assert.deepEqual(drafts, [], 'logging out forgets the drafts on this device');
    const now = await server.api('GET', '/api/accounts/me', { token: before.token });
    assert.equal(now.status, 401, 'the access token is refused at once');
    const refreshed = await server.api('POST', '/api/auth/refresh', { body: { refreshToken: before.refreshToken } });
    assert.equal(refreshed.status, 401, 'and the refresh token too');
    assert.deepEqual(errors, []);
  });
});
