import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const webRoot = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
// The dashboard server (design.md "Running and the HTTP surface") listens on 3000 by default.
const dashboardUrl = 'http://127.0.0.1:3000'

export default defineConfig({
  root: webRoot,
  base: '/',
  build: {
    outDir: `${repoRoot}dist/web`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // ECharts alone is ~500 kB minified even when imported modularly: keep it in its own chunk.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        manualChunks: (id) => (id.includes('node_modules/echarts') || id.includes('node_modules/zrender') ? 'echarts' : undefined)
      }
    }
  },
  server: {
    proxy: {
      '/api': { target: dashboardUrl, changeOrigin: false },
      '/socket.io': { target: dashboardUrl, ws: true }
    }
  }
})
