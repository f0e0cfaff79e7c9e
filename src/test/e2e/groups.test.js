// End-to-end test of groups in the web client (docs/rest-api.md and docs/bridge-protocol.md, "Groups"):
// Debian's chromium driven by playwright-core against a real Thrume (target/thrume.jar). Alice adds
// Carol to her conversation with Bob through "Add people" (the people search) and renames it through
// "Rename"; Carol's browser shows the conversation at once (an invitation) and Bob's shows the new
// member and the new title live, in the header and the list entry. Carol then writes and Alice sees it.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Every wait is bounded; only 127.0.0.1 is contacted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
const TEST_CONFIG = {
  auth: { attemptsBurst: 100000, attemptsPerMinute: 100000 },
  chat: { sendBurst: 100000, sendPerSecond: 100000.0 },
};
const PEOPLE = [['alice', 'Alice Group'], ['bob', 'Bob Group'], ['carol', 'Carol Group']];

const server = new Thrume(TEST_CONFIG, 'thrume-groups-e2e');
let browser = null;
let profileDir = null;
/** username → {context, page} */
const users = {};
let conversationId = null;
let failed = false;
const errors = [];

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
      for (const [name, u] of Object.entries(users)) {
        if (!u.page.isClosed()) await u.page.screenshot({ path: path.join(SHOTS, `failure-groups-${name}.png`) }).catch(() => {});
      }
      throw e;
    }
  });
}

async function openAs(username) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, baseURL: server.base });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${username}: ${e.message}`));
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await page.getByRole('heading', { name: 'Log in to Thrume' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('whoami').waitFor();
  users[username] = { context, page };
  return page;
}

const listItem = (page) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);

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
});

after(async () => {
  for (const u of Object.values(users)) await u.context.close().catch(() => {});
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

describe('groups in the web client', () => {
  step('Alice, Bob and Carol log in; Alice and Bob share a conversation, Bob has it open', async () => {
    const ids = {};
    for (const [username, displayName] of PEOPLE) {
      const r = await server.api('POST', '/api/auth/register', { body: { username, password: PASSWORD, displayName } });
      assert.equal(r.status, 201, r.text);
      ids[username] = r.json;
    }
    const created = await server.api('POST', '/api/conversations', {
      token: ids.alice.token,
      body: { participantIds: [ids.bob.account.id] },
    });
    assert.equal(created.status, 201, created.text);
    conversationId = created.json.id;
    assert.equal((await server.api('POST', `/api/conversations/${conversationId}/accept`, { token: ids.bob.token })).status, 200);
    for (const [username] of PEOPLE) await openAs(username);
    const { alice, bob, carol } = Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.page]));
    await alice.goto(`/c/${conversationId}`);
    await alice.getByTestId('conversation-title').filter({ hasText: 'Bob Group' }).waitFor();
    await bob.goto(`/c/${conversationId}`);
    await bob.getByTestId('conversation-title').filter({ hasText: 'Alice Group' }).waitFor();
    await carol.getByText('No conversations yet').waitFor();
    await carol.getByTestId('connection-banner').waitFor({ state: 'hidden' });
    assert.equal(await listItem(carol).count(), 0, 'Carol is not in it yet');
  });

  step('Alice adds Carol with "Add people": Carol sees it at once, Bob sees her join', async () => {
    const { alice, bob, carol } = Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.page]));
    await alice.getByTestId('conversation-menu').click();
    await alice.getByTestId('menu-add-people').click();
    await alice.getByTestId('add-people-search').fill('caro');
    await alice.locator('[data-testid="add-person-result"][data-username="carol"]').click();
    await alice.screenshot({ path: path.join(SHOTS, 'groups-add-people.png') });
    await alice.getByTestId('add-people-submit').click();
    await alice.getByTestId('add-people-form').waitFor({ state: 'hidden' });
    await alice.locator('[data-testid="participant"][data-username="carol"][data-status="invited"]').waitFor();
    // Bob's open conversation shows her live, invited; his list entry names her
    await bob.locator('[data-testid="participant"][data-username="carol"][data-status="invited"]').waitFor();
    await listItem(bob).filter({ hasText: 'Carol Group' }).waitFor();
    // Carol's list shows the conversation at once, as an invitation
    await listItem(carol).filter({ hasText: 'Alice Group' }).waitFor();
    assert.equal(await listItem(carol).getAttribute('data-status'), 'invited');
    await carol.screenshot({ path: path.join(SHOTS, 'groups-added.png') });
  });

  step('Alice renames it: Bob\'s and Carol\'s browsers show the new title live', async () => {
    const { alice, bob, carol } = Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.page]));
    await alice.getByTestId('conversation-menu').click();
    await alice.getByTestId('menu-rename').click();
    await alice.getByTestId('rename-input').fill('Friday lunch');
    await alice.getByTestId('rename-submit').click();
    await alice.getByTestId('conversation-title').filter({ hasText: 'Friday lunch' }).waitFor();
    await bob.getByTestId('conversation-title').filter({ hasText: 'Friday lunch' }).waitFor();
    await listItem(bob).filter({ hasText: 'Friday lunch' }).waitFor();
    await listItem(carol).filter({ hasText: 'Friday lunch' }).waitFor();
    await bob.screenshot({ path: path.join(SHOTS, 'groups-renamed.png') });
  });

  step('Carol opens it and writes; Alice and Bob see her message and that she accepted', async () => {
    const { alice, bob, carol } = Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.page]));
    await listItem(carol).click();
    await carol.getByTestId('conversation-title').filter({ hasText: 'Friday lunch' }).waitFor();
    const input = carol.getByLabel('Message', { exact: true });
    await input.fill('thanks for adding me');
    await input.press('Enter');
    for (const page of [alice, bob]) {
      await page.locator('[data-testid="message-content"]', { hasText: /^thanks for adding me$/ }).waitFor();
      await page.locator('[data-testid="participant"][data-username="carol"][data-status="accepted"]').waitFor();
    }
    assert.deepEqual(errors, []);
  });
});
