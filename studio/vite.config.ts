// The Studio's build: a static single-page app under /studio/ (the hub serves dist there). Hashed
// file names under assets/ are what lets the hub cache them forever; index.html is never cached.
import { defaultClientConditions, defineConfig } from 'vite'
import solid from 'vite-plugin-solid'

export default defineConfig({
  base: '/studio/',
  plugins: [solid()],
  // Workspace packages (@pgstack/sdk) from their sources, as everything built inside the repo
  // resolves them (README, "Build and package layout"): no dist/ needed, never a stale one.
  resolve: { conditions: ['@pgstack/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    // CodeMirror and uPlot are split into their pages' chunks; the shell stays small.
    chunkSizeWarningLimit: 700,
  },
})
