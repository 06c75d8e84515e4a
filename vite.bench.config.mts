import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import pkg from './package.json' with { type: 'json' }

/** Builds the benchmarks (`out/bench/*.js`): Node 20 cannot run TypeScript, and they drive the built CLI. */
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/bench',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: {
        fullBench: resolve(import.meta.dirname, 'bench/fullBench.ts'),
        cdcBench: resolve(import.meta.dirname, 'bench/cdcBench.ts'),
      },
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies), /^mysql2\//],
      // Shared chunks beside the entries, not in assets/: tests/harness/tidb.ts finds the repository (and
      // scripts/tidbTools.mjs) two directories above its own file.
      output: { format: 'cjs', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
})
