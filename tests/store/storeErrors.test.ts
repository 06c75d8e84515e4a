/**
 * Store files that cannot be used come out as coded errors naming the file, the cause and the fix, against the
 * real better-sqlite3 and real file systems (a read-only and a full tmpfs where this process may mount them).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { scratchMounts } from '../harness/scratchMounts'
import { afterAll, describe, expect, it } from 'vitest'
import { CutoverError } from '../../src/shared/domain/errors'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { openJobStore } from '../../src/main/store/jobStore'
import { storeError } from '../../src/main/store/storeErrors'

const config = jobConfigSchema.parse({
  name: 'crm',
  source: { host: 'db.internal', user: 'migrator' },
  target: { host: 'tidb', user: 'root' },
  type: 'existing',
})

const { root, mountTmpfs, cleanUp } = scratchMounts('cutover-store-errors-')
afterAll(cleanUp)

function openError(path: string): CutoverError {
  try {
    openJobStore(path).close()
  } catch (error) {
    expect(error).toBeInstanceOf(CutoverError)
    return error as CutoverError
  }
  throw new Error(`${path} opened`)
}

describe('store errors', () => {
  it('a directory: STORE_UNREADABLE, naming it and a file path to give instead', () => {
    const dir = join(root, 'a-folder')
    mkdirSync(dir)
    const e = openError(dir)
    expect(e.code).toBe('STORE_UNREADABLE')
    expect(e.message).toContain(`${dir} is a directory`)
    expect(e.workaround).toContain(join(dir, 'cutover.db'))
  })

  it('a file that is not a database: STORE_UNREADABLE, and the file is left byte-identical', () => {
    const path = join(root, 'notes.txt')
    writeFileSync(path, 'shopping list\n'.repeat(500))
    const before = readFileSync(path)
    const e = openError(path)
    expect(e.code).toBe('STORE_UNREADABLE')
    expect(e.message).toContain(`${path} is not a Cutover job store: the file is not an SQLite database`)
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(readdirSync(root).filter((f) => f.startsWith('notes.txt-'))).toEqual([])
  })

  it("another program's SQLite database: STORE_UNREADABLE, never migrated into a store (byte-identical)", () => {
    const path = join(root, 'photos.db')
    const other = new Database(path)
    other.exec("CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO albums VALUES (1, 'summer')")
    other.close()
    const before = readFileSync(path)
    const e = openError(path)
    expect(e.code).toBe('STORE_UNREADABLE')
    expect(e.message).toContain('SQLite database of another program (tables albums)')
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('a damaged store: STORE_UNREADABLE naming the damage and how to recover', () => {
    const path = join(root, 'damaged.db')
    const store = openJobStore(path)
    store.createJob(config)
    for (let i = 0; i < 2000; i++) store.appendEvent(store.listJobs()[0]!.id, 'info', `line ${i} ${'x'.repeat(100)}`)
    store.close()
    const bytes = readFileSync(path)
    bytes.fill(0x5a, 4096, bytes.length - 4096)
    writeFileSync(path, bytes)
    let error: unknown = null
    try {
      const reopened = openJobStore(path)
      reopened.listEvents(reopened.listJobs()[0]!.id, { limit: 5000 })
      reopened.close()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CutoverError)
    expect((error as CutoverError).code).toBe('STORE_UNREADABLE')
    expect((error as CutoverError).message).toContain(`The job store ${path} is damaged`)
    expect((error as CutoverError).workaround).toContain('.recover')
  })

  it('a store written by a newer Cutover: STORE_TOO_NEW', () => {
    const path = join(root, 'newer.db')
    openJobStore(path).close()
    const raw = new Database(path)
    raw.pragma('user_version = 999')
    raw.close()
    expect(openError(path).code).toBe('STORE_TOO_NEW')
  })

  it('a store file with the immutable flag: STORE_NOT_WRITABLE', (ctx) => {
    const dir = join(root, 'immutable')
    mkdirSync(dir)
    const path = join(dir, 'cutover.db')
    openJobStore(path).close()
    try {
      execFileSync('chattr', ['+i', path], { stdio: 'ignore' })
    } catch {
      ctx.skip(true, 'chattr +i is not permitted here')
    }
    try {
      // Opened read-only by SQLite (reads work), refused at the first write.
      const store = openJobStore(path)
      expect(() => store.createJob(config)).toThrow(
        expect.objectContaining({
          code: 'STORE_NOT_WRITABLE',
          message: expect.stringContaining(`The job store ${path} cannot be opened for writing`),
        }),
      )
      store.close()
    } finally {
      execFileSync('chattr', ['-i', path])
    }
  })

  it('a store on a read-only mount: STORE_NOT_WRITABLE', (ctx) => {
    const mount = mountTmpfs('ro,size=1m')
    if (!mount) return ctx.skip(true, 'mounting a tmpfs is not permitted here')
    const e = openError(join(mount, 'cutover.db'))
    expect(e.code).toBe('STORE_NOT_WRITABLE')
    expect(e.workaround).toContain('writable')
  })

  it('a full disk under the store: STORE_DISK_FULL from a later write, the stored jobs still readable', (ctx) => {
    // Room for a new store (its migrations leave about 300 KB of write-ahead log), then filled up.
    const mount = mountTmpfs('size=1m')
    if (!mount) return ctx.skip(true, 'mounting a tmpfs is not permitted here')
    const path = join(mount, 'cutover.db')
    const store = openJobStore(path)
    const job = store.createJob(config)
    // Fill what is left of the disk.
    try {
      for (let i = 0; ; i++) writeFileSync(join(mount, `filler-${i}`), Buffer.alloc(16 * 1024, 1))
    } catch {
      // ENOSPC: full.
    }
    let error: unknown = null
    try {
      for (let i = 0; i < 10_000; i++) store.appendEvent(job.id, 'info', `line ${i} ${'y'.repeat(200)}`)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CutoverError)
    expect((error as CutoverError).code).toBe('STORE_DISK_FULL')
    expect((error as CutoverError).message).toContain(
      `The job store ${path} cannot be written: the disk it is on is full`,
    )
    expect(store.getJob(job.id)?.name).toBe('crm')
    store.close()
    expect(existsSync(path)).toBe(true)
  })

  it('SQLITE_FULL from better-sqlite3 maps to STORE_DISK_FULL (without a mount: a page limit)', () => {
    const db = new Database(':memory:')
    db.pragma('max_page_count = 8')
    db.exec('CREATE TABLE t (x TEXT)')
    let raw: unknown = null
    try {
      for (let i = 0; i < 1000; i++) db.prepare('INSERT INTO t VALUES (?)').run('z'.repeat(1000))
    } catch (e) {
      raw = e
    }
    db.close()
    expect((raw as { code?: string }).code).toBe('SQLITE_FULL')
    const e = storeError('/data/cutover.db', raw) as CutoverError
    expect(e.code).toBe('STORE_DISK_FULL')
    expect(e.workaround).toContain('Free space on the disk that holds /data')
  })
})
