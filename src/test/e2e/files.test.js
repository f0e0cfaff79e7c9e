// Files in the web client, in a real browser (Debian chromium + playwright-core) against a real
// Thrume (target/thrume.jar, files.maxBytes 256 KiB for this test): Alice attaches a PNG (made here)
// with the paperclip and a text file by dropping it on the conversation, sees each upload's
// progress, and sends both; Bob sees the image preview live (decoded: naturalWidth > 0) and a
// download chip whose file is the very bytes Alice chose. An upload cancelled midway (the upload
// throttled), a file over the limit and an empty file each end with nothing sent, the last two
// with a clear error. An upload refused by the server's upload limit (429) is tried again by itself
// after its Retry-After, counting down, and then stored.
//
// Run: bash src/test/e2e/run.sh (after `mvn package`). Screenshots go to target/e2e-screenshots/.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Thrume } from '../js/thrume-server.mjs';
import { png } from './files-support.mjs';
import { Browsers, LIVE_TIMEOUT_MS, messageRows, shot, startedAround, TEST_CONFIG, waitUntil } from './support.mjs';

const MAX_BYTES = 256 * 1024;
/** Uploads per user: a bucket of 8, one more every 2 s (the last step empties it to get a real 429). */
const UPLOADS = { burst: 8, perSecond: 0.5 };
const server = new Thrume({ ...TEST_CONFIG, files: { maxBytes: MAX_BYTES }, limits: { upload: UPLOADS } }, 'thrume-files-e2e');
const b = new Browsers(server, 'files');
let alice;
let bob;
let conversationId;

startedAround(server, b);

const PNG_WIDTH = 320;
const PNG = png(PNG_WIDTH, 200); // about 65 KB
const TEXT = 'Minutes of the meeting\nÄ ö ü — 日本語\n'.repeat(20);

/** Drops files on the conversation as a browser does (dragenter, dragover, drop with a DataTransfer); answers whether the drop zone showed. */
async function dropFiles(page, files) {
  return page.evaluate(async (list) => {
    const target = document.querySelector('[data-testid="conversation-view"]');
    const data = new DataTransfer();
    for (const f of list) data.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    target.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: data }));
    target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
    await new Promise((r) => requestAnimationFrame(() => r()));
    const zone = document.querySelector('[data-testid="drop-zone"]');
    const shown = zone.classList.contains('active') && getComputedStyle(zone).display !== 'none' && zone.textContent.includes('Drop files');
    target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
    return shown;
  }, files.map((f) => ({ ...f, bytes: [...f.bytes] })));
}

/** Chooses files through the paperclip (the browser's file chooser). */
async function attach(page, files) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Attach files' }).click()]);
  assert.equal(chooser.isMultiple(), true);
  await chooser.setFiles(files.map((f) => ({ name: f.name, mimeType: f.type, buffer: f.bytes })));
}

async function restMessages(u) {
  const r = await b.api(u, 'GET', `/api/conversations/${conversationId}/messages?limit=200`);
  assert.equal(r.status, 200);
  return r.json.messages;
}

/** Upload throughput of the page, in bytes per second (-1: not throttled), through the DevTools protocol. */
async function throttle(page, bytesPerSecond) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

describe('files', () => {
  b.step('Alice attaches an image with the paperclip and a text file by drag-and-drop, sees progress and sends; Bob sees the preview and downloads the very bytes, live', async () => {
    alice = await b.person('alice', 'Alice Liddell');
    bob = await b.person('bob', 'Bob Builder');
    conversationId = await b.conversation(alice, [bob], 'Files');
    await b.sendRest(bob, conversationId, 'send me the files please');
    for (const u of [alice, bob]) {
      await u.page.goto(`/c/${conversationId}`);
      await messageRows(u.page).first().waitFor();
    }
    const page = alice.page;
    // progress is drawn while the bytes go (the upload throttled so that it shows)
    const progressSeen = page.evaluate(
      () =>
        new Promise((resolve) => {
          const seen = [];
          const observer = new MutationObserver(() => {
            for (const p of document.querySelectorAll('[data-testid="upload-progress"]')) seen.push(Number(p.value));
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
          setTimeout(() => {
            observer.disconnect();
            resolve(seen);
          }, 6_000);
        }),
    );
    await throttle(page, 32 * 1024);
    const big = { name: 'photo.png', type: 'image/png', bytes: PNG };
    await attach(page, [big]);
    const dropped = await dropFiles(page, [{ name: 'minutes.txt', type: 'text/plain', bytes: Buffer.from(TEXT) }]);
    assert.equal(dropped, true, 'the drop zone shows while files are dragged over');
    assert.equal(await page.getByTestId('drop-zone').evaluate((z) => z.classList.contains('active')), false, 'and goes after the drop');
    const uploads = page.getByTestId('upload');
    await waitUntil(async () => (await uploads.count()) === 2, 5_000, 'two uploads listed');
    await shot(page, 'files-uploading');
    await waitUntil(async () => (await page.locator('[data-testid="upload"][data-state="done"]').count()) === 2, LIVE_TIMEOUT_MS, 'both uploaded');
    await throttle(page, -1);
    const values = await progressSeen;
    assert.ok(values.some((v) => v > 0 && v < 100), `progress between 0 and 100 was shown (saw ${[...new Set(values)].join(', ')})`);
    assert.deepEqual(await uploads.evaluateAll((els) => els.map((e) => e.dataset.name)), ['photo.png', 'minutes.txt']);
    await shot(page, 'files-ready');
    // a file alone (no text) may be sent
    await page.getByTestId('send').click();
    await waitUntil(async () => (await uploads.count()) === 0, 5_000, 'the chips leave the composer');

    // Bob, live: the image decoded, the file as a chip that downloads the same bytes
    const img = bob.page.locator('[data-testid="attachment-image"] img');
    await img.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await waitUntil(() => img.evaluate((el, w) => el.complete && el.naturalWidth === w, PNG_WIDTH), LIVE_TIMEOUT_MS, 'the preview decoded');
    assert.equal(await img.getAttribute('alt'), 'photo.png');
    assert.equal(await img.getAttribute('loading'), 'lazy');
    const box = await img.evaluate((el) => ({ maxW: getComputedStyle(el).maxWidth, maxH: getComputedStyle(el).maxHeight }));
    assert.equal(box.maxH, '240px');
    const link = bob.page.getByTestId('attachment-image');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    const chip = bob.page.getByTestId('attachment-file');
    await chip.waitFor();
    assert.equal(await chip.getAttribute('download'), 'minutes.txt');
    assert.match(await chip.textContent(), /minutes\.txt/);
    const downloaded = await bob.page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, disposition: r.headers.get('content-disposition'), bytes: [...new Uint8Array(await r.arrayBuffer())] };
    }, await chip.getAttribute('href'));
    assert.equal(downloaded.status, 200);
    assert.match(downloaded.disposition, /^attachment/);
    assert.deepEqual(Buffer.from(downloaded.bytes), Buffer.from(TEXT), 'the very bytes');
    await shot(bob.page, 'files-received');
    const stored = (await restMessages(alice)).at(-1);
    assert.equal(stored.content, '');
    assert.deepEqual(stored.attachments.map((a) => a.name), ['photo.png', 'minutes.txt']);
  });

  b.step('an image whose signed url fails (expired) has its page read again once, and then shows', async () => {
    const page = bob.page;
    let refused = 0;
    const pages = [];
    await page.route(/\/api\/attachments\//, async (route) => {
      if (refused === 0) {
        refused += 1;
        await route.fulfill({ status: 404, contentType: 'application/problem+json', body: '{"status":404,"title":"Not Found"}' });
      } else await route.continue();
    });
    page.on('request', (r) => {
      // the page of the message with the image (seq 2), read again (not a catch-up: afterSeq=<tail>&limit=200)
      if (/\/api\/conversations\/[^/]+\/messages\?afterSeq=1&limit=50$/.test(r.url())) pages.push(r.url());
    });
    await page.reload();
    const img = page.locator('[data-testid="attachment-image"] img');
    await waitUntil(() => img.evaluate((el, w) => el.complete && el.naturalWidth === w, PNG_WIDTH), LIVE_TIMEOUT_MS, 'the preview decoded after a refusal');
    assert.equal(refused, 1);
    assert.equal(pages.length, 1, `the page read again once: ${pages.join(' ')}`);
    await page.unroute(/\/api\/attachments\//);
  });

  b.step('an upload cancelled midway is gone and nothing is sent', async () => {
    const page = alice.page;
    const before = (await restMessages(alice)).length;
    await throttle(page, 16 * 1024);
    await attach(page, [{ name: 'slow.bin', type: 'application/octet-stream', bytes: Buffer.alloc(200 * 1024, 7) }]);
    const progress = page.getByTestId('upload-progress');
    await progress.waitFor();
    await waitUntil(async () => Number(await progress.evaluate((p) => p.value)) > 0, 10_000, 'some progress');
    assert.equal(await page.getByTestId('send').isDisabled(), true, 'Send waits for the upload');
    await shot(page, 'files-cancel-midway');
    await page.getByRole('button', { name: 'Cancel uploading slow.bin' }).click();
    await waitUntil(async () => (await page.getByTestId('upload').count()) === 0, 5_000, 'the upload is gone');
    await throttle(page, -1);
    assert.equal(await page.getByTestId('send').isDisabled(), true, 'nothing to send');
    await page.waitForTimeout(1_000);
    assert.equal((await restMessages(alice)).length, before, 'nothing sent');
  });

  b.step('a file over files.maxBytes and an empty file each show a clear error; nothing is sent', async () => {
    const page = alice.page;
    const before = (await restMessages(alice)).length;
    const bobRows = await messageRows(bob.page).count();
    await attach(page, [
      { name: 'huge.bin', type: 'application/octet-stream', bytes: Buffer.alloc(MAX_BYTES + 50 * 1024, 1) },
      { name: 'empty.txt', type: 'text/plain', bytes: Buffer.alloc(0) },
    ]);
    const errors = page.getByTestId('upload-error');
    await waitUntil(async () => (await errors.count()) === 2, LIVE_TIMEOUT_MS, 'two errors');
    const texts = await errors.allTextContents();
    assert.deepEqual(texts.map((t) => t.trim()), ['“huge.bin” is too large: the limit is 256 KB.', '“empty.txt” is empty: there is nothing to send.']);
    assert.equal(await page.getByTestId('send').isDisabled(), true, 'nothing to send');
    await shot(page, 'files-errors');
    // text sent now goes without the failed files
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('only words this time');
    await input.press('Enter');
    await waitUntil(async () => (await messageRows(bob.page).count()) === bobRows + 1, LIVE_TIMEOUT_MS, 'Bob gets the text');
    const last = (await restMessages(alice)).at(-1);
    assert.equal((await restMessages(alice)).length, before + 1);
    assert.equal(last.content, 'only words this time');
    assert.deepEqual(last.attachments, []);
    // the errors stay until dismissed
    await page.getByRole('button', { name: 'Dismiss huge.bin' }).click();
    await page.getByRole('button', { name: 'Dismiss empty.txt' }).click();
    assert.equal(await page.getByTestId('upload').count(), 0);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  });
  b.step('an upload refused by the upload limit (429) shows "Retrying in N s", is tried again by itself after Retry-After and is stored', async () => {
    const page = alice.page;
    const answers = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST' && /\/attachments$/.test(r.url())) answers.push({ status: r.status(), retryAfter: r.headers()['retry-after'] ?? null, at: Date.now() });
    });
    // Alice's upload bucket emptied over REST (the same user): the next upload is refused
    let refusedAfter = null;
    for (let i = 0; i < UPLOADS.burst + 5 && refusedAfter === null; i++) {
      const res = await fetch(`${server.base}/api/conversations/${conversationId}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain', 'x-filename': `filler-${i}.txt` },
        body: 'x',
      });
      if (res.status === 429) refusedAfter = res.headers.get('retry-after');
      else assert.equal(res.status, 201);
    }
    assert.ok(Number(refusedAfter) > 0, `a 429 with Retry-After (${refusedAfter})`);

    await attach(page, [{ name: 'later.txt', type: 'text/plain', bytes: Buffer.from('tried again by itself') }]);
    const chip = page.locator('[data-testid="upload"][data-name="later.txt"]');
    const retrying = chip.getByTestId('upload-retrying');
    await retrying.waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.match((await retrying.textContent()).trim(), /^Retrying in \d+ s$/);
    assert.equal((await chip.getByTestId('upload-error').textContent()).trim(), 'Too many uploads at once.');
    // the user can still retry at once or give it up
    assert.equal((await chip.getByTestId('upload-retry').textContent()).trim(), 'Retry now');
    await chip.getByRole('button', { name: 'Dismiss later.txt' }).waitFor();
    await shot(page, 'files-retrying');
    await waitUntil(async () => (await chip.getAttribute('data-state')) === 'done', 20_000, 'the upload stored without a click');
    const first = answers.findIndex((a) => a.status === 429);
    assert.ok(first >= 0, JSON.stringify(answers));
    const wait = Number(answers[first].retryAfter);
    assert.ok(wait > 0, 'the refusal said when to come back');
    const stored = answers.slice(first + 1).find((a) => a.status === 201);
    assert.ok(stored, JSON.stringify(answers));
    assert.ok(stored.at - answers[first].at >= wait * 1000 - 300, `not tried again before Retry-After (${stored.at - answers[first].at} ms, ${wait} s)`);
    await page.getByTestId('send').click();
    await waitUntil(async () => (await page.getByTestId('upload').count()) === 0, 5_000, 'sent');
    await waitUntil(async () => (await restMessages(alice)).at(-1).attachments.map((a) => a.name).join() === 'later.txt', LIVE_TIMEOUT_MS, 'the message with the file');
    assert.deepEqual(alice.errors, []);
  });

});
