import { defineConfig } from 'vite';

// The console is served by `riposte serve` under /ui/ (src/server/routes/console-routes.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
