/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath, URL } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** The JavaScript of the app, gzipped, may not pass this (the build fails): first load ≤ 300 KB. */
export const JS_BUDGET_GZIP_BYTES = 100 * 1024;
/** Text files compressed at build time (the server sends the .br or .gz beside each, WebClientRoutes). */
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|ico)$/;

/**
 * After the bundle is written: every compressible file of the output gets a .gz and a .br beside
 * it (when smaller), and the build fails when the JavaScript's gzipped total passes the budget.
 */
function precompressAndBudget(outDir: string): Plugin {
  return {
    name: 'thrume-precompress-and-budget',
    apply: 'build',
    closeBundle() {
      let jsGzip = 0;
      const lines: string[] = [];
      const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const raw = fs.readFileSync(file);
        const gz = zlib.gzipSync(raw, { level: 9 });
        const br = zlib.brotliCompressSync(raw, {
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        });
        if (gz.length < raw.length) fs.writeFileSync(`${file}.gz`, gz);
        if (br.length < raw.length) fs.writeFileSync(`${file}.br`, br);
        if (file.endsWith('.js')) {
          jsGzip += gz.length;
          lines.push(`${path.relative(outDir, file)} ${raw.length} B, gzip ${gz.length} B, brotli ${br.length} B`);
        }
      }
      const summary = `JavaScript: ${(jsGzip / 1024).toFixed(1)} KB gzipped (budget ${JS_BUDGET_GZIP_BYTES / 1024} KB)`;
      if (jsGzip > JS_BUDGET_GZIP_BYTES) {
        throw new Error(`${summary}: over the budget\n${lines.join('\n')}`);
      }
      console.log(`[budget] ${summary}`);
    },
  };
}

const OUT_DIR = fileURLToPath(new URL('../target/classes/thrume-web', import.meta.url));

// The server serves the built client from target/classes/thrume-web (inside the jar it is
// the class-path resource thrume-web/). Building into webroot/ itself would let Vert.x'
// StaticHandler serve the raw sources when the server is started from the repository root.
export default defineConfig({
  plugins: [vue(), precompressAndBudget(OUT_DIR)],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  // sockjs-client (a CommonJS package) reads `global`; browsers call it globalThis
  define: { global: 'globalThis' },
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a Thrume on :8080 (the bridge needs ws: true)
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/eventbus': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
    testTimeout: 10000,
  },
});
