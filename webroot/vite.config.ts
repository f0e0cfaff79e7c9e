/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath, URL } from 'node:url';

// The server serves the built client from target/classes/thrume-web (inside the jar it is
// the class-path resource thrume-web/). Building into webroot/ itself would let Vert.x'
// StaticHandler serve the raw sources when the server is started from the repository root.
export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  // sockjs-client (a CommonJS package) reads `global`; browsers call it globalThis
  define: { global: 'globalThis' },
  build: {
    outDir: fileURLToPath(new URL('../target/classes/thrume-web', import.meta.url)),
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
