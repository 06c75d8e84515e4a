/**
 * The built CLI facing a store it cannot use: the file, the cause and the fix on stderr, the documented exit code,
 * no SQLite stack, and a file that is not a store left as it was. A disk that fills up under the store during a
 * `cutover run` stops the run (exit 1) with the same message, and the next run finishes the job.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { scratchMounts } from '../harness/scratchMounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { openJobStore } from '../../src/main/store/jobStore'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServerOf, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'

const cli = resolve(__dirname, '../../out/cli/cutover.js')

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  return { exited, stdout: () => stdout, stderr: () => stderr, kill: () => child.kill('SIGTERM') }
}

/** No raw SQLite error class and no stack frame reaches the user. */
function expectNoStack(output: string): void {
  expect(output).not.toMatch(/SqliteError|^\s+at /m)
}

const { root, mountTmpfs, cleanUp } = scratchMounts('cutover-cli-store-')
afterAll(cleanUp)

describe('the CLI and a store it cannot use', () => {
  it('a directory as --store: exit 2, the path, the cause and the fix (jobs and serve alike)', async () => {
    const dir = join(root, 'folder')
    mkdirSync(dir)
    for (const args of [['jobs'], ['serve', '--port', '0']]) {
      const run = runCli([...args, '--store', dir])
      expect(await run.exited, args[0]).toBe(2)
      expect(run.stderr()).toContain(`The job store path ${dir} is a directory, not a file.`)
      expect(run.stderr()).toContain(
        `fix: Give --store (or CUTOVER_STORE) a file path, e.g. ${join(dir, 'cutover.db')}`,
      )
      expectNoStack(run.stderr())
    }
  })

  it('a text file as --store: exit 2, named as not a store, left byte-identical', async () => {
    const path = join(root, 'notes.txt')
    writeFileSync(path, 'not a database\n'.repeat(300))
    const before = readFileSync(path)
    const run = runCli(['jobs', '--store', path])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain(`${path} is not a Cutover job store: the file is not an SQLite database`)
    expect(run.stderr()).toContain('fix: ')
    expectNoStack(run.stderr())
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('a store on a read-only mount: exit 2, STORE_NOT_WRITABLE text', async (ctx) => {
    const mount = mountTmpfs('ro,size=1m')
    if (!mount) return ctx.skip(true, 'mounting a tmpfs is not permitted here')
    const run = runCli(['jobs', '--store', join(mount, 'cutover.db')])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain('cannot be opened for writing: the file or its folder is read-only')
    expectNoStack(run.stderr())
  })

  it('`cutover serve` on a disk that fills up: answers a write with STORE_DISK_FULL and keeps serving', async (ctx) => {
    const mount = mountTmpfs('size=16m')
    if (!mount) return ctx.skip(true, 'mounting a tmpfs is not permitted here')
    const serve = runCli(['serve', '--port', '0', '--store', join(mount, 'cutover.db')])
    try {
      let url = ''
      for (let i = 0; i < 300 && !url; i++) {
        await new Promise((r) => setTimeout(r, 50))
        url = /serving on (http:\/\/127\.0\.0\.1:\d+\/\S+\/)/.exec(serve.stdout())?.[1] ?? ''
      }
      expect(url, serve.stderr()).not.toBe('')
      try {
        for (let i = 0; ; i++) writeFileSync(join(mount, `filler-${i}`), Buffer.alloc(64 * 1024, 1))
      } catch {
        // ENOSPC: the disk is full.
      }
      const { origin, pathname } = new URL(url)
      const ws = new WebSocket(`${origin.replace('http', 'ws')}${pathname}ws`, { origin })
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      const invoke = (id: number, channel: string, payload: unknown) => {
        const answer = new Promise<{
          envelope: { ok: boolean; error?: { code: string; message: string; workaround: string } }
        }>((resolve) => ws.once('message', (data: WebSocket.RawData) => resolve(JSON.parse(data.toString()))))
        ws.send(JSON.stringify({ kind: 'invoke', id, channel, payload }))
        return answer
      }
      const config = {
        name: 'full-disk',
        source: { host: '127.0.0.1', port: 3306, user: 'u' },
        target: { host: '127.0.0.1', port: 4000, user: 'root' },
        type: 'existing',
      }
      // Enough jobs to need new pages however much room the WAL had left.
      let refused: { code: string; message: string; workaround: string } | undefined
      for (let i = 0; i < 200 && !refused; i++) {
        const answer = await invoke(i + 1, 'job:create', { config: { ...config, name: `full-disk-${i}` } })
        refused = answer.envelope.ok ? undefined : answer.envelope.error
      }
      expect(refused?.code).toBe('STORE_DISK_FULL')
      expect(refused?.message).toContain('cannot be written: the disk it is on is full')
      expect((await invoke(1000, 'app:info', {})).envelope.ok).toBe(true)
      ws.close()
      expect(serve.stderr()).toBe('')
    } finally {
      serve.kill()
      await serve.exited
    }
  })

  describe('a disk that fills up during `cutover run`', () => {
    const db = uniqueName('store_full')
    let source: Connection
    let target: Connection
    beforeAll(async () => {
      ;({ source, target } = await openScratchDatabase(db, 'tidb'))
      await source.query(`CREATE TABLE \`${db}\`.orders (id BIGINT PRIMARY KEY, note TEXT)`)
      await source.query(`INSERT INTO \`${db}\`.orders SELECT seq, REPEAT('x', 200) FROM \`${db}\`.seq_1_to_40000`)
      // Row estimates the chunk planner reads: without them a fresh table may be planned as a single chunk.
      await source.query(`ANALYZE TABLE \`${db}\`.orders`)
    })
    afterAll(() => closeScratchDatabase(db, source, target))

    it('stops with exit 1 and STORE_DISK_FULL text; after space is freed the same command finishes', async (ctx) => {
      const mount = mountTmpfs('size=16m')
      if (!mount) return ctx.skip(true, 'mounting a tmpfs is not permitted here')
      const s = sourceServer()
      const t = targetServerOf('tidb')
      const jobFile = join(root, 'full.yaml')
      const storePath = join(mount, 'cutover.db')
      writeFileSync(
        jobFile,
        [
          'name: store-full',
          `source: { host: 127.0.0.1, port: ${s.port}, user: ${s.user} }`,
          `target: { host: 127.0.0.1, port: ${t.port}, user: ${t.user} }`,
          'type: existing',
          'mode: physical',
          `objects: [${db}]`,
          'spec: { concurrency: 1, exportMBps: 2 }',
        ].join('\n'),
      )
      const env = {
        CUTOVER_SOURCE_PASSWORD: s.password,
        CUTOVER_TARGET_PASSWORD: t.password,
        CUTOVER_CHUNK_BYTES: String(128 * 1024),
      }
      const args = ['run', jobFile, '--store', storePath, '--accept-warnings']
      const first = runCli(args, env)
      const doneChunks = () => {
        const store = openJobStore(storePath)
        try {
          return store.listChunks(store.findJobByName('store-full')?.id ?? '').filter((c) => c.state === 'done').length
        } finally {
          store.close()
        }
      }
      let done = 0
      for (let i = 0; i < 1800 && done < 2; i++) {
        await new Promise((r) => setTimeout(r, 50))
        try {
          done = doneChunks()
        } catch {
          // Not created yet.
        }
      }
      expect(done, first.stdout() + first.stderr()).toBeGreaterThanOrEqual(2)
      const fillers: string[] = []
      try {
        for (let i = 0; ; i++) {
          const f = join(mount, `filler-${i}`)
          writeFileSync(f, Buffer.alloc(64 * 1024, 1))
          fillers.push(f)
        }
      } catch {
        // ENOSPC: the disk is full.
      }
      const code = await first.exited
      const output = first.stdout() + first.stderr()
      expect(code, output).toBe(1)
      expect(first.stderr()).toContain(`The job store ${storePath} cannot be written: the disk it is on is full`)
      expect(first.stderr()).toContain('fix: Free space on the disk')
      expectNoStack(output)

      for (const f of fillers) rmSync(f)
      const second = runCli(args, env)
      expect(await second.exited, second.stdout() + second.stderr()).toBe(0)
      const diff = await compareTable(source, target, db, 'orders')
      expect(diff.firstDifference).toBeNull()
      expect(diff.targetRows).toBe(diff.sourceRows)
      expect(diff.targetChecksum).toBe(diff.sourceChecksum)
    }, 180_000)
  })
})
