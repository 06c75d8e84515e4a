import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import pkg from './package.json' with { type: 'json' }

/** Builds the CLI (`out/cli/cutover.js`) from the same engine the app uses; dependencies stay external. */
const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
  /^mysql2\//,
]

export default defineConfig({
  build: {
    ssr: resolve(import.meta.dirname, 'src/main/cli/cutover.ts'),
    outDir: 'out/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      external,
      output: { format: 'cjs', entryFileNames: 'cutover.js', banner: '#!/usr/bin/env node' },
    },
  },
})
