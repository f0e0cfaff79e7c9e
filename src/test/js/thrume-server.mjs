// Starts and stops a real Thrume (target/thrume.jar) for the Node tests (src/test/node) and the
// browser tests (src/test/e2e): fresh data directory, free port on 127.0.0.1, THRUME_CONFIG with
// relaxed limits, stopped by its PID (SIGTERM, then SIGKILL). It can be stopped and started again
// on the same data directory and port, to test that clients recover. Node built-ins only, so both
// test packages import it by path.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..', '..');
const JAR = path.join(REPO, 'target', 'thrume.jar');
export const HOST = '127.0.0.1';

const JVM_FLAGS = [
  '--add-modules', 'java.se',
  '--add-exports', 'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
  '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
];

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 20_000;

/** A free port below Linux's ephemeral range (32768+), which outgoing connections may take first. */
async function freePort() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, HOST, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 10000 and 32000');
}

function javaBinary() {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = path.join(home, 'bin', 'java');
    if (fs.existsSync(candidate)) return candidate;
  }
  return 'java';
}

export class Thrume {
  /**
   * config: deep-merged over the defaults through THRUME_CONFIG (documented configuration);
   * name: the prefix of the temporary directory and of log lines.
   */
  constructor(config, name = 'thrume-e2e') {
    this.config = config;
    this.name = name;
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    this.dataDir = path.join(this.tmpDir, 'data');
    fs.mkdirSync(this.dataDir);
    this.configFile = path.join(this.tmpDir, 'config.json');
    fs.writeFileSync(this.configFile, JSON.stringify(config));
    this.logFile = path.join(this.tmpDir, 'thrume.log');
    this.port = null;
    this.base = null;
    this.child = null;
    this.pid = null;
    this.exited = true;
    this.exitInfo = null;
    this.exitPromise = null;
    this.tail = [];
    this.starts = 0;
  }

  remember(chunk) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.tail.push(line);
      if (this.tail.length > 300) this.tail.shift();
    }
  }

  logTail(n = 60) {
    return this.tail.slice(-n).join('\n');
  }

  /** Starts the process (the first time on a free port, later on the same one) and waits until ready. */
  async start() {
    if (!fs.existsSync(JAR)) throw new Error(`${JAR} does not exist: build it first (mvn -q -B package -DskipTests)`);
    if (!this.exited) throw new Error('Thrume is running already');
    this.port ??= await freePort();
    this.base = `http://${HOST}:${this.port}`;
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('THRUME_')) delete env[key];
    env.THRUME_DATA_DIR = this.dataDir;
    env.THRUME_HTTP_PORT = String(this.port);
    env.THRUME_CONFIG = this.configFile;
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    this.starts += 1;
    log.write(`\n===== start #${this.starts} =====\n`);
    const child = spawn(javaBinary(), [...JVM_FLAGS, '-jar', JAR], {
      cwd: this.tmpDir, // no conf/config.json of the caller is read
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.pid = child.pid;
    this.exited = false;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = { code, signal };
        log.end();
        resolve(this.exitInfo);
      });
      child.once('error', (err) => {
        this.exited = true;
        this.exitInfo = { error: err.message };
        log.end();
        resolve(this.exitInfo);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        log.write(chunk);
        this.remember(chunk);
      });
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`Thrume exited before it was ready (${JSON.stringify(this.exitInfo)}):\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.base}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (err) {
        last = err.message;
      }
      await sleep(250);
    }
    throw new Error(`Thrume was not ready within ${READY_TIMEOUT_MS / 1000} s (last: ${last}):\n${this.logTail()}`);
  }

  signal(sig) {
    if (this.exited || !this.pid) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // gone already
    }
  }

  async waitExit(ms) {
    if (this.exited || !this.exitPromise) return true;
    return Promise.race([this.exitPromise.then(() => true), sleep(ms, false, { ref: false })]);
  }

  /** SIGTERM, then SIGKILL if it does not stop in time. Always resolves. */
  async stop() {
    if (this.exited || !this.pid) return;
    this.signal('SIGTERM');
    if (!(await this.waitExit(STOP_GRACE_MS))) {
      console.error(`[${this.name}] Thrume (pid ${this.pid}) ignored SIGTERM for ${STOP_GRACE_MS / 1000} s: SIGKILL`);
      this.signal('SIGKILL');
      await this.waitExit(10_000);
    }
  }

  /** Removes the temporary directory (kept when THRUME_E2E_KEEP is set, or when asked to keep it). */
  cleanup(keep = false) {
    if (keep || process.env.THRUME_E2E_KEEP) {
      console.error(`[${this.name}] kept ${this.tmpDir} (server log: ${this.logFile})`);
      return;
    }
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }

  /** A REST call with a time bound. */
  async api(method, urlPath, { token, body } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(this.base + urlPath, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text, headers: res.headers };
  }
}
