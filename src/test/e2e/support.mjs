// Helpers of the browser tests written for issue 16 (live.test.js, rendering.test.js, …): a chromium
// launched from /usr/bin/chromium, people registered over REST and logged into their own browser
// context (separate storage), bounded waits, screenshots to target/e2e-screenshots/, and a page
// whose visibility the test sets (headless chromium always reports "visible") and whose desktop
// notifications are recorded.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO } from '../js/thrume-server.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const SHOTS = path.join(REPO, 'target', 'e2e-screenshots');
export const PASSWORD = 'correct horse battery';
export const UI_TIMEOUT_MS = 20_000;
export const LIVE_TIMEOUT_MS = 15_000;
/** Relaxed throttles and a short offline grace, as webclient.test.js. */
export const TEST_CONFIG = {
  chat: { sendBurst: 100000, sendPerSecond: 100000.0 },
  auth: { attemptsBurst: 100000, attemptsPerMinute: 100000 },
  presence: { offlineGraceMs: 2000 },
};

/** Polls an async condition until it holds; fails with a description after timeoutMs. Answers the elapsed ms. */
export async function waitUntil(condition, timeoutMs, what) {
  const start = Date.now();
  const deadline = start + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await condition();
      if (last) return Date.now() - start;
    } catch (e) {
      last = e.message;
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === 'function' ? await what() : what} (last: ${JSON.stringify(last)})`);
}

/** A browser and the people using it, against one Thrume. */
export class Browsers {
  constructor(server, name) {
    this.server = server;
    this.name = name;
    this.browser = null;
    this.profileDir = null;
    this.users = {};
    this.failed = false;
  }

  async launch() {
    fs.mkdirSync(SHOTS, { recursive: true });
    this.profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thrume-e2e-chromium-'));
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
      env: { ...process.env, HOME: this.profileDir, XDG_CONFIG_HOME: this.profileDir, XDG_CACHE_HOME: this.profileDir },
    });
  }

  async close() {
    for (const u of Object.values(this.users)) await u.context.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    if (this.profileDir) fs.rmSync(this.profileDir, { recursive: true, force: true });
  }

  /** A test step; after a failure the later steps are skipped and every page is photographed. */
  step(name, fn, timeout = 120_000) {
    test(name, { timeout }, async (t) => {
      if (this.failed) {
        t.skip('an earlier step failed');
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        this.failed = true;
        for (const [who, u] of Object.entries(this.users)) {
          for (const [i, p] of u.context.pages().entries()) {
            await p.screenshot({ path: path.join(SHOTS, `failure-${this.name}-${who}-${i}.png`) }).catch(() => {});
          }
        }
        throw e;
      }
    });
  }

  /**
   * Registers `username` over REST and opens a logged-in page for them in a new context.
   * options: viewport, colorScheme, notifications (grant the permission), routeSockets (the
   * bridge's WebSockets go through playwright, so that closeSockets() can cut them, and so that
   * holdFrames() can delay what the next socket sends).
   */
  async person(username, displayName, { viewport = { width: 1200, height: 800 }, colorScheme = 'light', notifications = false, routeSockets = false, bypassCSP = false } = {}) {
    const r = await this.server.api('POST', '/api/auth/register', { body: { username, displayName, password: PASSWORD } });
    if (r.status !== 201) throw new Error(`register ${username}: ${r.status} ${r.text}`);
    const context = await this.browser.newContext({ viewport, baseURL: this.server.base, colorScheme, bypassCSP });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    if (notifications) await context.grantPermissions(['notifications'], { origin: this.server.base });
    await context.addInitScript(instrument);
    const u = { username, displayName, id: r.json.account.id, token: r.json.token, context, page: null, errors: [], tickets: [], drains: [], sockets: [], hold: null };
    if (routeSockets) {
      await context.routeWebSocket(/\/eventbus/, (ws) => {
        const toServer = ws.connectToServer();
        u.sockets.push(ws);
        const hold = u.hold;
        if (hold) {
          // this socket's frames to the server wait out the hold, in the order they were sent
          u.hold = null;
          const until = Date.now() + hold.ms;
          let chain = Promise.resolve();
          ws.onMessage((frame) => {
            chain = chain.then(async () => {
              const wait = until - Date.now();
              if (wait > 0) await sleep(wait);
              toServer.send(frame);
            });
          });
          hold.opened(Date.now());
        }
      });
    }
    this.users[username] = u;
    u.page = await this.openPage(u);
    await u.page.goto('/login');
    await u.page.evaluate((s) => localStorage.setItem('thrume.session', JSON.stringify(s)), r.json);
    await u.page.goto('/');
    await u.page.getByTestId('whoami').waitFor();
    await u.page.getByTestId('connection-banner').waitFor({ state: 'hidden', timeout: LIVE_TIMEOUT_MS });
    return u;
  }

  async openPage(u) {
    const page = await u.context.newPage();
    page.on('pageerror', (e) => u.errors.push(e.message));
    page.on('dialog', (d) => d.dismiss().catch(() => {}));
    // when the client asks for a ticket (each connection attempt), and the drain notices it hears
    page.on('request', (r) => {
      if (r.url().includes('/api/realtime/ticket')) u.tickets.push(Date.now());
    });
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        const m = /reconnect in (\d+) ms/.exec(String(f.payload));
        if (m) u.drains.push({ at: Date.now(), ms: Number(m[1]) });
      }),
    );
    return page;
  }

  /** A REST call as `u` (their token of registration; sessions refresh only in the browser). */
  api(u, method, urlPath, body) {
    return this.server.api(method, urlPath, { token: u.token, body });
  }

  async conversation(creator, others, title) {
    const r = await this.api(creator, 'POST', '/api/conversations', { participantIds: others.map((o) => o.id), ...(title ? { title } : {}) });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
    for (const o of others) await this.api(o, 'POST', `/api/conversations/${r.json.id}/accept`);
    return r.json.id;
  }

  async sendRest(u, conversationId, content) {
    const r = await this.api(u, 'POST', `/api/conversations/${conversationId}/messages`, { content, clientMessageId: randomUUID() });
    if (r.status !== 201) throw new Error(`send: ${r.status} ${r.text}`);
    return r.json;
  }
}

/**
 * Runs in every page before the app: lets the test hide and show the page (window.__setHidden),
 * and records the desktop notifications the app shows (window.__notifications).
 */
function instrument() {
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.__setHidden = (h) => {
    hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  window.__notifications = [];
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notifications.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
        (window.__notificationObjects ??= []).push(this);
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...args) => Real.requestPermission(...args);
    window.Notification = Recorded;
  }
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page (its context needs bypassCSP: the page's CSP refuses injected
 * scripts) and answers the serious and critical violations, each with the nodes it found.
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`) }));
}

/**
 * The person's next bridge socket (person(…, { routeSockets: true })) holds every frame the page
 * sends for `ms` from its opening: registers, requests and pings reach the server late, in order,
 * as over a slow uplink. Answers a promise of the time (ms since the epoch) the socket opened.
 */
export function holdFrames(u, ms) {
  return new Promise((opened) => {
    u.hold = { ms, opened };
  });
}

/** Cuts the person's bridge sockets (person(…, { routeSockets: true })). */
export async function closeSockets(u) {
  for (const ws of u.sockets.splice(0)) await ws.close({ code: 4000, reason: 'cut by the test' }).catch(() => {});
}

/** The reconnect banner's countdown in seconds (null: no countdown shown). */
export async function countdown(page) {
  const text = await page.getByTestId('connection-banner').textContent({ timeout: 500 }).catch(() => '');
  const m = /Reconnecting in (\d+) s/.exec(text ?? '');
  return m ? Number(m[1]) : null;
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

export function listItem(page, id) {
  return page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
}

export function messageRows(page) {
  return page.locator('[data-testid="message"]');
}

export function messageRow(page, text) {
  const exact = text instanceof RegExp ? text : new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return messageRows(page).filter({ has: page.locator('[data-testid="message-content"]', { hasText: exact }) });
}

export async function send(page, text) {
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
}

export async function deliveryState(page, text) {
  return messageRow(page, text).last().locator('[data-testid="delivery-state"]').getAttribute('data-state', { timeout: 2_000 });
}

/**
 * A spec file's server and browsers: started before its tests, stopped after them (the server's
 * log printed and kept when a test failed), and stopped on SIGINT or SIGTERM too.
 */
export function startedAround(server, b) {
  before(async () => {
    await server.start();
    await b.launch();
  });
  after(async () => {
    await b.close();
    await server.stop();
    if (b.failed) console.error(`[e2e] server log (last lines):\n${server.logTail(80)}`);
    server.cleanup(b.failed);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      Promise.resolve(b.close())
        .catch(() => {})
        .finally(() => server.stop().finally(() => process.exit(1)));
    });
  }
  process.once('exit', () => server.signal('SIGKILL'));
}

