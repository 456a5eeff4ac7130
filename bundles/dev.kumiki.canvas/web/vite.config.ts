import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into the bundle's classes (web/), served by kumiki serve and loaded by the Studio's editor from a file URL,
// so every path is relative.
export default defineConfig({
  plugins: [react()],
  base: './',
  build: {
    outDir: '../target/classes/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
