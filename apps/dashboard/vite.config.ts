import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The gateway serves the build at /admin/ (packages/server/src/admin/static.ts).
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
});
