#!/usr/bin/env node
// better-sqlite3 is a native module, and Node (tests, CLI) and Electron (the app) have different ABIs.
// `node scripts/nativeAbi.mjs node|electron` makes node_modules hold the build for that runtime, keeping
// each build in node_modules/.cutover-native so that switching back is a copy, not a 2-minute compile.
// A failed Electron switch puts the build it replaced back, so `npm test` and the CLI keep working.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const moduleDir = dirname(require.resolve('better-sqlite3/package.json'))
const binary = join(moduleDir, 'build', 'Release', 'better_sqlite3.node')
const cacheDir = join(root, 'node_modules', '.cutover-native')
const marker = join(cacheDir, 'current')
// Where @electron/rebuild (through node-gyp) fetches Electron's headers; a mirror may be given instead.
const headersUrl = process.env.CUTOVER_ELECTRON_HEADERS_URL || 'https://www.electronjs.org/headers'

const target = process.argv[2]
if (target !== 'node' && target !== 'electron') {
  console.error('usage: node scripts/nativeAbi.mjs node|electron')
  process.exit(2)
}

/** Stops with a message that says what is missing and that the Node side still works. */
function stop(lines) {
  console.error(['', ...lines, '`npm test` and the CLI do not need Electron and still work.', ''].join('\n'))
  process.exit(1)
}

function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
}

/** The Electron executable, or null when the electron package was installed without it. */
function electronExecutable() {
  try {
    // Under Node, the electron package exports the path of its binary; it throws when path.txt is missing.
    const path = require('electron')
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
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

// @electron/rebuild 4 is ESM and exports only its API (`rebuild`); its lib/cli.js is not importable.
const rebuild = target === 'electron' ? (await import('@electron/rebuild')).rebuild : null

if (target === 'electron' && electronExecutable() === null) {
  stop([
    `Electron ${electronVersion()}'s binary is not installed: node_modules/electron has no dist/ (it was installed`,
    'with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or github.com, where the binary is downloaded from, was not reachable).',
    'The app cannot start without it. On a machine that can reach github.com (or with ELECTRON_MIRROR set to a',
    'mirror), run: node node_modules/electron/install.js',
  ])
}

if (current === wanted && (target === 'electron' || loadsUnderNode())) process.exit(0)

// Keep the build we are about to replace.
const replaced = join(cacheDir, `${current}.node`)
if (existsSync(binary)) copyFileSync(binary, replaced)

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
  // npm_config_nodedir must NOT reach node-gyp here, or it silently builds against Node's headers (wrong ABI)
  // and reports success. node-gyp runs in a child that inherits this process's environment.
  for (const key of Object.keys(process.env)) if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key]
  const version = electronVersion()
  console.log('Rebuilding better-sqlite3 for Electron %s…', version)
  try {
    await rebuild({
      buildPath: root,
      electronVersion: version,
      onlyModules: ['better-sqlite3'],
      force: true,
      headerURL: headersUrl,
    })
  } catch (error) {
    // node-gyp's `rebuild` removes build/ before it fetches headers or compiles: put the replaced build back.
    if (existsSync(replaced)) {
      mkdirSync(dirname(binary), { recursive: true })
      copyFileSync(replaced, binary)
    }
    // node-gyp keeps Electron's headers under ~/.electron-gyp/<version>; without them nothing was compiled.
    const headers = join(homedir(), '.electron-gyp', version, 'include', 'node', 'node_version.h')
    if (!existsSync(headers)) {
      stop([
        `Could not rebuild better-sqlite3 for Electron ${version}: Electron's headers could not be downloaded from`,
        `${headersUrl} (node-gyp's error is above). The app needs them once, to compile better-sqlite3 for`,
        "Electron's ABI. Run `npm run dev` on a machine that can reach that address, or set",
        "CUTOVER_ELECTRON_HEADERS_URL to a mirror of Electron's headers.",
      ])
    }
    stop([
      `Could not compile better-sqlite3 for Electron ${version}: ${error instanceof Error ? error.message : error}.`,
      "The compiler's output is above; building needs python3, make and a C++ compiler (Debian: build-essential).",
    ])
  }
}
writeFileSync(marker, wanted)
copyFileSync(binary, join(cacheDir, `${wanted}.node`))
if (target === 'node' && !loadsUnderNode()) {
  console.error('better-sqlite3 still does not load under Node; run `npm rebuild better-sqlite3` and read its output.')
  process.exit(1)
}
