#!/usr/bin/env node
// `npm test`: every suite, on a fresh machine too. Installs what the tests need from the system's packages
// when it can (Debian/Ubuntu as root), otherwise stops with the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const started = Date.now()

function onPath(name, extra = []) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', ...extra]
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const needs = [
  { what: 'MariaDB server (mariadbd)', ok: () => onPath('mariadbd'), packages: ['mariadb-server', 'mariadb-client'] },
  { what: `Chromium (${chromium})`, ok: () => existsSync(chromium), packages: ['chromium'] },
  { what: 'OpenSSH server (sshd, for the tunnel tests)', ok: () => onPath('sshd'), packages: ['openssh-server'] },
  { what: 'openssl (for the TLS tests)', ok: () => onPath('openssl'), packages: ['openssl'] },
]

const missing = needs.filter((n) => !n.ok())
if (missing.length > 0) {
  const packages = missing.flatMap((n) => n.packages)
  const line = `apt-get install -y ${packages.join(' ')}`
  const debian = existsSync('/etc/debian_version')
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!debian || !isRoot) {
    console.error(`The tests need: ${missing.map((n) => n.what).join(', ')}.`)
    console.error(
      debian
        ? `Install them as root:\n  sudo ${line}`
        : `Install the equivalent of:\n  ${line}\n(or set CHROMIUM_PATH to a Chromium binary)`,
    )
    process.exit(1)
  }
  console.log(`Installing ${packages.join(', ')} from the system's packages…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env })
}

function run(title, command, args, env = {}) {
  console.log(`\n== ${title}`)
  const t = Date.now()
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  if (result.status !== 0) {
    console.error(`\n✗ ${title} failed (exit ${result.status ?? result.signal})`)
    process.exit(result.status || 1)
  }
  console.log(`✓ ${title} (${((Date.now() - t) / 1000).toFixed(1)} s)`)
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
run('native modules for Node', process.execPath, ['scripts/nativeAbi.mjs', 'node'])
run('typecheck', npm, ['run', '--silent', 'typecheck'])
run('lint', npm, ['run', '--silent', 'lint'])
run('build (main, preload, renderer, CLI)', npm, ['run', '--silent', 'build'])
// The suites' target is a real TiDB: built once from tools/tidb (minutes) and cached outside the repo.
const tidbServer = (() => {
  console.log('\n== tidb-server (built from tools/tidb on first use, then cached)')
  const t = Date.now()
  const result = spawnSync(process.execPath, ['scripts/tidbTools.mjs', 'tidb-server'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  const path = result.stdout.trim().split('\n').pop()
  if (result.status !== 0 || !path) {
    console.error('\n✗ tidb-server is not available (see above)')
    process.exit(result.status || 1)
  }
  console.log(`✓ tidb-server: ${path} (${((Date.now() - t) / 1000).toFixed(1)} s)`)
  return path
})()
run('unit and integration tests (vitest, real MariaDB and TiDB servers)', npm, ['exec', '--', 'vitest', 'run'], {
  TIDB_SERVER: tidbServer,
})
run('end-to-end tests (Playwright in the system Chromium)', npm, ['exec', '--', 'playwright', 'test'], {
  CHROMIUM_PATH: chromium,
})

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
console.log(`\nAll ${pkg.name} tests passed in ${((Date.now() - started) / 1000).toFixed(0)} s.`)
