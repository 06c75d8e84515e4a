/**
 * The native-ABI switch behind `npm run dev` (`scripts/nativeAbi.mjs electron`) and `npm test` (`… node`), run
 * on Node 20 as the README's first command runs it, in a copy of the project whose better-sqlite3 is its own
 * (the Electron attempt removes build/ while it runs, which must not touch the suites running beside it).
 * Electron's headers and better-sqlite3's prebuilt binaries point at a closed loopback port and HOME is empty,
 * so the outcome does not depend on this machine's network or caches.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = resolve(__dirname, '../..')
let project: string
let closedPort: number

function closedLoopbackPort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'cutover-native-'))
  copyFileSync(join(repo, 'package.json'), join(project, 'package.json'))
  mkdirSync(join(project, 'scripts'))
  copyFileSync(join(repo, 'scripts/nativeAbi.mjs'), join(project, 'scripts/nativeAbi.mjs'))
  const modules = join(project, 'node_modules')
  mkdirSync(modules)
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (entry === '.cutover-native' || entry === '.bin' || entry === '.tmp') continue
    if (entry === 'better-sqlite3') cpSync(join(repo, 'node_modules', entry), join(modules, entry), { recursive: true })
    else symlinkSync(join(repo, 'node_modules', entry), join(modules, entry))
  }
  mkdirSync(join(project, 'home'))
  mkdirSync(join(project, 'no-electron'))
  mkdirSync(join(project, 'fake-electron'))
  writeFileSync(join(project, 'fake-electron', 'electron'), '')
  closedPort = await closedLoopbackPort()
  expect(loadsUnderNode(), 'npm test switches better-sqlite3 to Node before the suites').toBe(true)
})
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true })
})

function nativeAbi(runtime: 'node' | 'electron', electronDist = 'no-electron') {
  const result = spawnSync(process.execPath, ['scripts/nativeAbi.mjs', runtime], {
    cwd: project,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env['PATH'],
      HOME: join(project, 'home'),
      npm_config_cache: join(project, 'home', '.npm'),
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      // Where the electron package looks for its binary: an empty folder, or one with a stand-in file.
      ELECTRON_OVERRIDE_DIST_PATH: join(project, electronDist),
      CUTOVER_ELECTRON_HEADERS_URL: `http://127.0.0.1:${closedPort}/headers`,
      // prebuild-install's download host for better-sqlite3 (instead of github.com).
      npm_config_better_sqlite3_binary_host: `http://127.0.0.1:${closedPort}/prebuilds`,
      // The README's setting for the Node build; the Electron rebuild must not pass it to node-gyp.
      npm_config_nodedir: '/usr',
    },
  })
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` }
}

function loadsUnderNode(): boolean {
  const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: project,
  })
  return probe.status === 0
}

describe('scripts/nativeAbi.mjs on Node 20', () => {
  it('without Electron’s binary, stops with exit 1 saying so, past module resolution, and leaves the Node build', () => {
    const { status, output } = nativeAbi('electron')
    expect(output).not.toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED|ERR_MODULE_NOT_FOUND|Cannot find module/)
    expect(status).toBe(1)
    expect(output).toMatch(/Electron [\d.]+'s binary is not installed/)
    expect(output).toMatch(/node node_modules\/electron\/install\.js/)
    expect(output).toMatch(/`npm test` and the CLI do not need Electron and still work/)
    expect(loadsUnderNode()).toBe(true)
  })

  it('without Electron’s headers, stops with exit 1 naming where they come from, and puts the Node build back', () => {
    const { status, output } = nativeAbi('electron', 'fake-electron')
    expect(output).not.toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED|ERR_MODULE_NOT_FOUND|Cannot find module/)
    expect(output).toMatch(/Rebuilding better-sqlite3 for Electron/)
    expect(status).toBe(1)
    expect(output).toContain(`Electron's headers could not be downloaded from\nhttp://127.0.0.1:${closedPort}/headers`)
    expect(output).toMatch(/CUTOVER_ELECTRON_HEADERS_URL/)
    expect(loadsUnderNode()).toBe(true)
  })

  it('`node scripts/nativeAbi.mjs node` then leaves a better-sqlite3 that loads under Node', () => {
    const { status, output } = nativeAbi('node')
    expect(status, output).toBe(0)
    expect(loadsUnderNode()).toBe(true)
  })
})
