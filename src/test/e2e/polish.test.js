// Issue 16 in a real browser (Debian chromium + playwright-core) against a real Thrume
// (target/thrume.jar, fresh data directory, stopped by its PID): accessibility with axe-core (no
// serious or critical violation on login, register, the list, an open conversation and one of 100
// messages, in light and dark), dark mode from prefers-color-scheme, the favicon, assets served
// compressed, and the first load of the logged-in app under 300 KB transferred.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots go to target/e2e-screenshots/.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Thrume } from '../js/thrume-server.mjs';
import { axeViolations, Browsers, listItem, messageRow, shot, startedAround, TEST_CONFIG } from './support.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { png, upload } from './files-support.mjs';

const server = new Thrume(TEST_CONFIG, 'thrume-polish-e2e');
const b = new Browsers(server, 'polish');
const ids = {};
/** The logged-in app's first load may transfer at most this much. */
const FIRST_LOAD_BYTES = 300 * 1024;

startedAround(server, b);

/** The page's background luminance (0 black … 1 white). */
async function backgroundLuminance(page) {
  return page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  });
}

describe('polish', () => {
  for (const scheme of ['light', 'dark']) {
    b.step(`axe-core finds no serious or critical violation (${scheme}): login, register, list, open conversation, 100 messages, message changes (a reply, reactions, edited, deleted, the picker); dark follows prefers-color-scheme`, async () => {
      const suffix = scheme === 'dark' ? '2' : '';
      const alice = await b.person(`alice${suffix}`, 'Alice Liddell', { colorScheme: scheme, bypassCSP: true });
      const bob = await b.person(`bob${suffix}`, 'Bob Builder', { colorScheme: scheme, bypassCSP: true });
      const id = await b.conversation(alice, [bob]);
      await b.sendRest(bob, id, 'Hello Alice, see https://example.com');
      await b.sendRest(alice, id, 'Hi Bob!');
      // a message with an image and a file
      const image = await upload(server, bob.token, id, { name: 'sketch.png', type: 'image/png', bytes: png(120, 80) });
      const file = await upload(server, bob.token, id, { name: 'report.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4 not really') });
      const sent = await b.api(bob, 'POST', `/api/conversations/${id}/messages`, { content: 'Here are the files', clientMessageId: randomUUID(), attachmentIds: [image.id, file.id] });
      assert.equal(sent.status, 201, sent.text);
      await b.sendRest(alice, id, 'Thanks!');
      const long = await b.conversation(bob, [alice], `Long ${scheme}`);
      for (let i = 1; i <= 100; i++) await b.sendRest(i % 3 ? bob : alice, long, `message number ${i} of a long conversation`);
      ids[scheme] = { id, long, alice };

      const found = {};
      const page = alice.page;
      const guest = await alice.context.browser().newContext({ baseURL: server.base, colorScheme: scheme, bypassCSP: true });
      const guestPage = await guest.newPage();
      await guestPage.goto('/login');
      await guestPage.getByRole('heading', { name: 'Log in to Thrume' }).waitFor();
      found.login = await axeViolations(guestPage);
      await shot(guestPage, `polish-login-${scheme}`);
      await guestPage.goto('/register');
      await guestPage.getByRole('heading', { name: 'Create your Thrume account' }).waitFor();
      found.register = await axeViolations(guestPage);
      await shot(guestPage, `polish-register-${scheme}`);
      const luminance = await backgroundLuminance(guestPage);
      await guest.close();

      await page.goto('/');
      await listItem(page, id).waitFor();
      await listItem(page, long).getByTestId('unread-badge').waitFor();
      found.list = await axeViolations(page);
      const appLuminance = await backgroundLuminance(page);
      await shot(page, `polish-list-${scheme}`);
      await listItem(page, id).click();
      await messageRow(page, 'Thanks!').waitFor();
      await page.getByTestId('attachment-file').waitFor();
      await page.locator('[data-testid="attachment-image"] img').evaluate((img) => img.decode());
      found.conversation = await axeViolations(page);
      await shot(page, `polish-conversation-${scheme}`);
      await listItem(page, long).click();
      await messageRow(page, 'message number 100 of a long conversation').waitFor();
      found.long = await axeViolations(page);
      await shot(page, `polish-100-messages-${scheme}`);
      await page.getByTestId('message-search-input').fill('message numb');
      await page.getByTestId('search-result').first().waitFor();
      await page.keyboard.press('ArrowDown');
      found.search = await axeViolations(page);
      await shot(page, `polish-search-${scheme}`);
      await page.keyboard.press('Escape');

      // message changes: a reply, reactions (one of them the user's), an edited and a deleted message, the toolbar and the picker
      const base = `/api/conversations/${id}/messages`;
      const hi = await b.sendRest(alice, id, 'How are you?');
      const changes = [
        await b.api(bob, 'POST', base, { content: 'Replying to that', clientMessageId: randomUUID(), replyToSeq: hi.seq }),
        await b.api(alice, 'PATCH', `${base}/${hi.seq}`, { content: 'How are you doing?' }),
        await b.api(bob, 'PUT', `${base}/${hi.seq}/reactions/${encodeURIComponent('👍')}`),
        await b.api(alice, 'PUT', `${base}/${hi.seq}/reactions/${encodeURIComponent('👍')}`),
        await b.api(bob, 'PUT', `${base}/${hi.seq}/reactions/${encodeURIComponent('🎉')}`),
      ];
      const gone = await b.sendRest(alice, id, 'soon deleted');
      changes.push(await b.api(alice, 'DELETE', `${base}/${gone.seq}`));
      assert.deepEqual(changes.map((r) => r.status), [201, 200, 200, 200, 200, 200]);
      await listItem(page, id).click();
      const edited = page.locator(`[data-testid="message"][data-seq="${hi.seq}"]`);
      await edited.getByTestId('edited-marker').waitFor();
      await edited.locator('[data-testid="reaction-chip"][aria-pressed="true"]').waitFor();
      await messageRow(page, 'Replying to that').getByTestId('reply-quote').waitFor();
      await page.locator(`[data-testid="message"][data-seq="${gone.seq}"]`).getByTestId('message-tombstone').waitFor();
      await edited.hover();
      found.changes = await axeViolations(page);
      await edited.getByTestId('action-react').click();
      await edited.getByTestId('reaction-picker').waitFor();
      found.picker = await axeViolations(page);
      await shot(page, `polish-changes-${scheme}`);
      await page.keyboard.press('Escape');

      const bad = Object.entries(found).filter(([, v]) => v.length > 0);
      assert.deepEqual(bad, [], `serious or critical violations (${scheme}):\n${JSON.stringify(bad, null, 2)}`);
      for (const [where, l] of [['login', luminance], ['list', appLuminance]]) {
        if (scheme === 'dark') assert.ok(l < 0.25, `a dark background on the ${where} (luminance ${l.toFixed(2)})`);
        else assert.ok(l > 0.75, `a light background on the ${where} (luminance ${l.toFixed(2)})`);
      }
      assert.equal(await page.locator('h1').count(), 1, 'one h1');
    }, 240_000);
  }

  b.step('the first load of the logged-in app transfers under 300 KB (measured by the browser), with compressed, immutable scripts and styles, index.html revalidated, and a favicon', async () => {
    const { alice, id } = ids.light;
    // a fresh context: an empty HTTP cache, the session's storage only
    const context = await b.browser.newContext({ baseURL: server.base, storageState: await alice.context.storageState() });
    const page = await context.newPage();
    const finished = [];
    const failed = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()} ${request.failure()?.errorText}`));
    page.on('requestfinished', (request) => {
      finished.push((async () => {
        const response = await request.response();
        // what went over the wire: the encoded body and the headers, as the browser counted them
        const sizes = await request.sizes();
        const headers = response ? await response.allHeaders() : {};
        return { url: request.url(), type: request.resourceType(), status: response?.status(), encoding: headers['content-encoding'] ?? '', cache: headers['cache-control'] ?? '', body: sizes.responseBodySize, bytes: sizes.responseBodySize + sizes.responseHeadersSize };
      })());
    });
    await page.goto(`/c/${id}`);
    await messageRow(page, 'Hi Bob!').waitFor();
    await page.getByTestId('connection-banner').waitFor({ state: 'hidden' });
    await page.waitForTimeout(1_000);
    const responses = await Promise.all(finished);
    assert.deepEqual(failed, [], 'no request failed');
    const total = responses.reduce((sum, r) => sum + r.bytes, 0);
    const listing = responses.map((r) => `${r.bytes} ${r.status} ${r.encoding} ${r.cache} ${r.url}`).join('\n');
    const doc = responses.find((r) => r.type === 'document');
    assert.ok(doc, `the document was counted:\n${listing}`);
    assert.equal(doc.cache, 'no-cache', 'index.html is revalidated');
    const assets = responses.filter((r) => /\/assets\/.+\.(js|css)$/.test(r.url));
    assert.ok(assets.some((r) => r.url.endsWith('.js')) && assets.some((r) => r.url.endsWith('.css')), `scripts and styles loaded:\n${listing}`);
    for (const a of assets) {
      // the build keeps no .br/.gz that is not smaller (a CSS file of 59 bytes): those are tiny
      if (a.body >= 1024 || a.encoding) assert.match(a.encoding, /^(br|gzip)$/, `${a.url} sent ${a.encoding || 'uncompressed'} (${a.body} bytes)`);
      assert.match(a.cache, /immutable/, `${a.url} cached ${a.cache}`);
    }
    assert.ok(responses.some((r) => r.url.includes('/api/conversations')), `the app's data was loaded too:\n${listing}`);
    assert.ok(total <= FIRST_LOAD_BYTES, `first load transferred ${total} bytes:\n${listing}`);
    console.log(`[polish] first load: ${(total / 1024).toFixed(1)} KB in ${responses.length} requests`);
    // the favicon the page names is served, as an image
    const icon = await page.evaluate(async () => {
      const link = document.querySelector('link[rel="icon"]');
      if (!link) return null;
      const r = await fetch(link.href);
      return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
    });
    assert.ok(icon, 'a link rel="icon"');
    assert.equal(icon.status, 200);
    assert.match(icon.type, /^image\//);
    assert.ok(icon.size > 0);
    assert.equal((await server.api('GET', '/favicon.ico')).status, 200);
    await context.close();
  });

  b.step('registration shows every problem at once, each field marked aria-invalid and described by its error; the phone composer\'s placeholder fits on one line', async () => {
    const context = await b.browser.newContext({ baseURL: server.base, bypassCSP: true });
    const page = await context.newPage();
    let requests = 0;
    page.on('request', (r) => {
      if (r.url().includes('/api/auth/register')) requests += 1;
    });
    await page.goto('/register');
    await page.getByLabel('Username').fill('a!');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const errors = page.getByTestId('field-error');
    await errors.first().waitFor();
    assert.equal(await errors.count(), 2, 'both problems at once');
    for (const label of ['Username', 'Password']) {
      const input = page.getByLabel(label);
      assert.equal(await input.getAttribute('aria-invalid'), 'true', `${label} aria-invalid`);
      const described = await input.getAttribute('aria-describedby');
      assert.match(described, /-error/, `${label} is described by its error`);
    }
    assert.equal(await page.getByLabel('Display name').getAttribute('aria-invalid'), 'false');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'register-username', 'focus on the first problem');
    assert.equal(requests, 0, 'nothing sent');
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'polish-register-errors');
    await page.getByLabel('Username').fill('fixed_name');
    assert.equal(await errors.count(), 1, 'a fixed field loses its error as it is typed');
    await page.getByLabel('Password').fill('long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('whoami').waitFor();
    assert.equal(requests, 1);

    // at phone width the composer's placeholder is one line
    await page.setViewportSize({ width: 375, height: 740 });
    const { id } = ids.light;
    void id;
    await page.goto('/');
    const r = await server.api('POST', '/api/conversations', { token: JSON.parse(await page.evaluate(() => localStorage.getItem('thrume.session'))).token, body: { participantIds: [] } });
    await page.goto(`/c/${r.json.id}`);
    const input = page.getByLabel('Message', { exact: true });
    await input.waitFor();
    await sleep(200);
    const fits = await input.evaluate((el) => {
      const style = getComputedStyle(el);
      const canvas = document.createElement('canvas').getContext('2d');
      canvas.font = `${style.fontSize} ${style.fontFamily}`;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { text: canvas.measureText(el.placeholder).width, room };
    });
    assert.ok(fits.text <= fits.room, `the placeholder needs ${fits.text}px of ${fits.room}px`);
    await shot(page, 'polish-phone-composer');
    await context.close();
  });
});
