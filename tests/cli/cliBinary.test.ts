import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const cli = resolve(__dirname, '../../out/cli/cutover.js')
const run = promisify(execFile)

describe('the built CLI (out/cli/cutover.js)', () => {
  it('exists — `npm run build` runs before the suites', () => {
    expect(existsSync(cli), 'run `npm run build` first').toBe(true)
  })

  it('lists its commands in --help', async () => {
    const { stdout } = await run(process.execPath, [cli, '--help'])
    expect(stdout).toMatch(/Usage: cutover/)
    for (const command of ['serve', 'jobs']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'))
  })

  it('`serve --port 0` prints a loopback URL with a token, and refuses requests without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-cli-'))
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--store', join(dir, 'c.db')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /(http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{40,}\/)/.exec(out)
          if (m) resolveUrl(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
      })
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(new URL(url).origin + '/')).status).toBe(403)
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('`serve` rejects a bad port with exit 2', async () => {
    await expect(run(process.execPath, [cli, 'serve', '--port', 'abc'])).rejects.toMatchObject({ code: 2 })
  })

  it('exits 2 ("could not run"), not 1 ("job failed"), on a usage error; 0 for --help and --version', async () => {
    for (const args of [['jobs', '--no-such-flag'], ['no-such-command'], ['run'], ['--no-such-flag']]) {
      await expect(run(process.execPath, [cli, ...args]), args.join(' ')).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/error: /),
      })
    }
    await expect(run(process.execPath, [cli, 'run', '--help'])).resolves.toMatchObject({
      stdout: expect.stringMatching(/Usage: cutover run/),
    })
    await expect(run(process.execPath, [cli, '--version'])).resolves.toBeDefined()
  })

  it('`jobs` reads the store given by --store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-cli-'))
    try {
      const { stdout } = await run(process.execPath, [cli, 'jobs', '--store', join(dir, 'c.db'), '--json'])
      expect(JSON.parse(stdout)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
