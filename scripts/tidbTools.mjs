#!/usr/bin/env node
// Builds TiDB's binaries (tidb-server; dumpling and tidb-lightning for the benchmark) from the Go module in
// tools/tidb, pinned by its go.mod and go.sum, and caches them outside the repository, keyed by those two files.
//
//   node scripts/tidbTools.mjs [tidb-server] [dumpling] [tidb-lightning]   prints one absolute path per line
//
// TIDB_SERVER / DUMPLING / TIDB_LIGHTNING name binaries the user already has (e.g. from tiup); they are used as
// they are. The cache is $CUTOVER_TOOLS_CACHE, else $XDG_CACHE_HOME/cutover, else ~/.cache/cutover.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const moduleDir = join(root, 'tools', 'tidb')

/** Each binary: the package that builds it and the environment variable that overrides it. */
export const tidbTools = {
  'tidb-server': { pkg: 'github.com/pingcap/tidb/cmd/tidb-server', env: 'TIDB_SERVER' },
  dumpling: { pkg: 'github.com/pingcap/tidb/dumpling/cmd/dumpling', env: 'DUMPLING' },
  'tidb-lightning': { pkg: 'github.com/pingcap/tidb/lightning/cmd/tidb-lightning', env: 'TIDB_LIGHTNING' },
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function cacheDir() {
  const base =
    process.env.CUTOVER_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cutover')
  const key = createHash('sha256')
    .update(readFileSync(join(moduleDir, 'go.mod')))
    .update(readFileSync(join(moduleDir, 'go.sum')))
    .digest('hex')
    .slice(0, 16)
  const version =
    /github\.com\/pingcap\/tidb (\S+)/.exec(readFileSync(join(moduleDir, 'go.mod'), 'utf8'))?.[1] ?? 'tidb'
  return join(base, `tidb-${version}-${key}`)
}

/** The absolute path of one binary, building it first when neither the override nor the cache has it. */
export function tidbTool(name, { quiet = false } = {}) {
  const tool = tidbTools[name]
  if (tool === undefined) throw new Error(`unknown TiDB tool ${name}; one of ${Object.keys(tidbTools).join(', ')}`)
  const override = process.env[tool.env]
  if (override) {
    if (!executable(override)) throw new Error(`${tool.env}=${override} is not an executable file`)
    return override
  }
  const dir = cacheDir()
  const binary = join(dir, name)
  if (executable(binary)) return binary

  const go = spawnSync('go', ['version'], { encoding: 'utf8' })
  if (go.status !== 0) {
    throw new Error(
      `${name} is built from the Go module in tools/tidb, and Go (1.25 or newer) was not found on PATH. ` +
        `Install Go, or set ${tool.env} to a ${name} binary you have (e.g. from tiup).`,
    )
  }
  mkdirSync(dir, { recursive: true })
  // One build at a time per binary: a second caller waits for the first one's result.
  const lock = `${binary}.building`
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' })
      break
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'))
      if (!alive(owner)) {
        rmSync(lock, { force: true })
        continue
      }
      if (!quiet) console.error(`Waiting for the build of ${name} by pid ${owner}…`)
      while (alive(owner) && !executable(binary)) sleepSync(2000)
      if (executable(binary)) return binary
    }
  }
  try {
    return build(name, tool, binary, dir, go.stdout.trim(), quiet)
  } finally {
    rmSync(lock, { force: true })
  }
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function build(name, tool, binary, dir, goVersion, quiet) {
  const partial = `${binary}.partial-${process.pid}`
  const started = Date.now()
  if (!quiet) {
    console.error(
      `Building ${name} from ${tool.pkg} (${goVersion}); about 4 min with a warm Go module cache, ` +
        `10-15 min on a fresh machine. It is cached in ${dir}.`,
    )
  }
  const built = spawnSync('go', ['build', '-trimpath', '-o', partial, tool.pkg], {
    cwd: moduleDir,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? '1', GOFLAGS: '-mod=readonly' },
  })
  if (built.status !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true })
    throw new Error(`go build of ${tool.pkg} failed (exit ${built.status ?? built.signal}); see the output above.`)
  }
  renameSync(partial, binary)
  if (!quiet) console.error(`Built ${name} in ${((Date.now() - started) / 1000).toFixed(0)} s.`)
  return binary
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2)
  try {
    for (const name of names.length > 0 ? names : ['tidb-server']) console.log(tidbTool(name))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
