#!/usr/bin/env node
// better-sqlite3 is a native module, and Node (tests, CLI) and Electron (the app) have different ABIs.
// `node scripts/nativeAbi.mjs node|electron` makes node_modules hold the build for that runtime, keeping
// each build in node_modules/.cutover-native so that switching back is a copy, not a 2-minute compile.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const binary = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node')
const cacheDir = join(root, 'node_modules', '.cutover-native')
const marker = join(cacheDir, 'current')

const target = process.argv[2]
if (target !== 'node' && target !== 'electron') {
  console.error('usage: node scripts/nativeAbi.mjs node|electron')
  process.exit(2)
}

function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
}

const wanted = target === 'node' ? `node-${process.versions.modules}` : `electron-${electronVersion()}`
const current = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : `node-${process.versions.modules}`
mkdirSync(cacheDir, { recursive: true })

function loadsUnderNode() {
  const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: root,
    encoding: 'utf8',
  })
  return probe.status === 0
}

if (current === wanted && (target === 'electron' || loadsUnderNode())) process.exit(0)

// Keep the build we are about to replace.
if (existsSync(binary)) copyFileSync(binary, join(cacheDir, `${current}.node`))

const cached = join(cacheDir, `${wanted}.node`)
if (existsSync(cached)) {
  copyFileSync(cached, binary)
} else if (target === 'node') {
  // Node's headers ship with Debian's/NodeSource's nodejs under /usr/include/node; use them offline.
  const env = { ...process.env }
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_version.h')) env.npm_config_nodedir = '/usr'
  console.log('Rebuilding better-sqlite3 for Node (ABI %s)…', process.versions.modules)
  execFileSync('npm', ['rebuild', 'better-sqlite3'], { cwd: root, env, stdio: 'inherit' })
} else {
  // Electron's headers come from Electron's own server. npm_config_nodedir must NOT be set here, or
  // node-gyp silently builds against Node's headers (wrong ABI) and reports success.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'))
  console.log('Rebuilding better-sqlite3 for Electron %s…', electronVersion())
  execFileSync(
    process.execPath,
    [
      require.resolve('@electron/rebuild/lib/cli.js'),
      '--force',
      '--only',
      'better-sqlite3',
      '--version',
      electronVersion(),
    ],
    {
      cwd: root,
      env,
      stdio: 'inherit',
    },
  )
}
writeFileSync(marker, wanted)
copyFileSync(binary, join(cacheDir, `${wanted}.node`))
if (target === 'node' && !loadsUnderNode()) {
  console.error('better-sqlite3 still does not load under Node; run `npm rebuild better-sqlite3` and read its output.')
  process.exit(1)
}
