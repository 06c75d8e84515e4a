import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { jobConfigSchema } from '../../shared/domain/job'
import { defaultSettings } from '../../shared/domain/settings'
import { migrations } from './migrations'
import { openJobStore } from './jobStore'

const config = jobConfigSchema.parse({
  name: 'crm',
  source: {
    host: 'db.internal',
    user: 'migrator',
    password: 'pw-source',
    ssh: { host: 'bastion', user: 'ops', privateKey: '/home/ops/.ssh/id_ed25519', passphrase: 'pp-ssh' },
  },
  target: { host: 'tidb', user: 'root', password: 'pw-target' },
  type: 'existing',
})

describe('job store', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const tempStorePath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-store-'))
    dirs.push(dir)
    return join(dir, 'nested', 'cutover.db')
  }

  it('keeps when a job entered its status: unchanged by other writes, renewed by a new status (migration 12)', async () => {
    const store = openJobStore(tempStorePath())
    const job = store.createJob(config)
    expect(job.statusSince).toBe(job.createdAt)
    const paused = store.updateJob(job.id, { status: 'paused' })
    expect(paused.statusSince).toBe(paused.updatedAt)
    await new Promise((resolve) => setTimeout(resolve, 5))
    const later = store.updateJob(job.id, { status: 'paused', lagSeconds: 3 })
    expect(later.updatedAt > paused.updatedAt).toBe(true)
    expect(later.statusSince).toBe(paused.statusSince)
    store.close()
  })

  it('reads default settings until they are saved, and saved ones after a reopen', () => {
    const path = tempStorePath()
    const store = openJobStore(path)
    expect(store.getSettings()).toEqual(defaultSettings)
    store.saveSettings({ alerts: { stoppedMinutes: 30, lagSeconds: 120, lagRisingMinutes: 5 } })
    store.close()
    const again = openJobStore(path)
    expect(again.getSettings().alerts).toEqual({ stoppedMinutes: 30, lagSeconds: 120, lagRisingMinutes: 5 })
    again.close()
  })

  it('creates the file in WAL mode at the newest schema version, and reopens without re-running migrations', () => {
    const path = tempStorePath()
    const store = openJobStore(path)
    expect(store.schemaVersion()).toBe(migrations.length)
    store.createJob(config)
    store.close()
    const raw = new Database(path)
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
    const again = openJobStore(path)
    expect(again.listJobs().map((j) => j.name)).toEqual(['crm'])
    again.close()
  })

  it('refuses a store written by a newer Cutover', () => {
    const path = tempStorePath()
    openJobStore(path).close()
    const raw = new Database(path)
    raw.pragma(`user_version = ${migrations.length + 1}`)
    raw.close()
    expect(() => openJobStore(path)).toThrow(/newer Cutover/)
  })

  it('never writes a password or passphrase into the job row', () => {
    const path = tempStorePath()
    const store = openJobStore(path)
    const job = store.createJob(config)
    expect(job.config.source.password).toBeUndefined()
    expect(job.config.source.ssh).toEqual({
      host: 'bastion',
      port: 22,
      privateKey: '/home/ops/.ssh/id_ed25519',
      user: 'ops',
    })
    store.close()
    const bytes = readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`, { flag: 'a+' }).toString('latin1')
    for (const secret of ['pw-source', 'pw-target', 'pp-ssh']) expect(bytes).not.toContain(secret)
  })

  it('keeps job status, events, chunk checkpoints, positions and precheck results, and deletes them with the job', () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(config)
    store.updateJob(job.id, { status: 'running', stage: 'existing', startedAt: '2026-11-21T00:00:00.000Z' })
    store.appendEvent(job.id, 'debug', 'noise')
    store.appendEvent(job.id, 'warning', 'table without key', 'DUMP_NO_KEY')
    store.appendEvent(job.id, 'error', 'boom', 'LOAD_FAILED')
    expect(store.listEvents(job.id, { minLevel: 'warning' }).map((e) => e.code)).toEqual(['DUMP_NO_KEY', 'LOAD_FAILED'])
    const first = store.listEvents(job.id, { limit: 1 })
    expect(store.listEvents(job.id, { afterId: first[0]!.id }).length).toBe(2)

    store.saveChunks(job.id, [
      { table: 'crm.customers', chunkIndex: 0, lower: null, upper: [1000], state: 'done', rows: 1000, bytes: 64_000 },
      { table: 'crm.customers', chunkIndex: 1, lower: [1000], upper: null, state: 'pending', rows: 0, bytes: 0 },
    ])
    store.saveChunks(job.id, [
      { table: 'crm.customers', chunkIndex: 1, lower: [1000], upper: null, state: 'done', rows: 5, bytes: 320 },
    ])
    expect(store.listChunks(job.id).map((c) => [c.chunkIndex, c.state, c.rows])).toEqual([
      [0, 'done', 1000],
      [1, 'done', 5],
    ])

    store.savePosition(job.id, 'snapshot', { file: 'binlog.000003', position: 1234, gtidSet: '0-1-77' })
    store.savePosition(job.id, 'applied', { file: 'binlog.000003', position: 1234, gtidSet: '0-1-77' })
    store.savePosition(job.id, 'applied', { file: 'binlog.000004', position: 4, gtidSet: '0-1-78' })
    expect(store.getPosition(job.id, 'applied')).toEqual({ file: 'binlog.000004', position: 4, gtidSet: '0-1-78' })

    store.savePrecheckResults(job.id, [
      { itemId: 'binlog_format', status: 'failed', message: 'STATEMENT', fix: "SET GLOBAL binlog_format = 'ROW';" },
    ])
    store.savePrecheckResults(job.id, [{ itemId: 'binlog_format', status: 'pass', message: 'ROW', fix: '' }])
    expect(store.listPrecheckResults(job.id).map((r) => r.status)).toEqual(['pass'])

    store.saveSealedSecret(job.id, 'source.password', Buffer.from([1, 2, 3]))
    expect(store.sealedSecretNames(job.id)).toEqual(['source.password'])

    expect(store.deleteJob(job.id)).toBe(true)
    expect(store.listChunks(job.id)).toEqual([])
    expect(store.getPosition(job.id, 'applied')).toBeNull()
    expect(store.listEvents(job.id)).toEqual([])
    expect(store.getSealedSecret(job.id, 'source.password')).toBeNull()
    store.close()
  })

  it('reads the newest events of a long log in one call, oldest first, filtered by level', () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(config)
    const other = store.createJob({ ...config, name: 'other' })
    for (let i = 1; i <= 30; i++) {
      store.appendEvent(job.id, i % 10 === 0 ? 'warning' : 'info', `event ${i}`)
      store.appendEvent(other.id, 'info', `other ${i}`)
    }
    const messages = (entries: { message: string }[]) => entries.map((e) => e.message)

    expect(messages(store.listEvents(job.id, { latest: true, limit: 3 }))).toEqual(['event 28', 'event 29', 'event 30'])
    // Without `latest` the same limit reads from the start.
    expect(messages(store.listEvents(job.id, { limit: 3 }))).toEqual(['event 1', 'event 2', 'event 3'])
    expect(messages(store.listEvents(job.id, { latest: true, limit: 2, minLevel: 'warning' }))).toEqual([
      'event 20',
      'event 30',
    ])
    // A limit beyond the log returns all of it, ascending; `afterId` still bounds it from below.
    expect(messages(store.listEvents(job.id, { latest: true, limit: 1000 }))).toHaveLength(30)
    const all = store.listEvents(job.id, { latest: true, limit: 1000 })
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b))
    expect(messages(store.listEvents(job.id, { latest: true, limit: 5, afterId: all[27]!.id }))).toEqual([
      'event 29',
      'event 30',
    ])
    store.close()
  })

  describe('job leases', () => {
    const a = { owner: 'run-a', pid: 101, host: 'laptop' }
    const b = { owner: 'run-b', pid: 202, host: 'laptop' }
    const alive = () => false
    const stale = () => true

    it('gives a free lease to the first claim and refuses a second owner while the first is alive', () => {
      const store = openJobStore(':memory:')
      const job = store.createJob(config)
      expect(store.acquireLease(job.id, a, alive)).toEqual({ acquired: true, takenOver: null })
      const refused = store.acquireLease(job.id, b, alive)
      expect(refused).toMatchObject({ acquired: false, holder: { owner: 'run-a', pid: 101, host: 'laptop' } })
      // The holder claiming again keeps it.
      expect(store.acquireLease(job.id, a, alive)).toEqual({ acquired: true, takenOver: null })
      store.close()
    })

    it('of two stores on one file claiming at once, exactly one gets the lease', () => {
      const path = tempStorePath()
      const first = openJobStore(path)
      const job = first.createJob(config)
      const second = openJobStore(path)
      const outcomes = [first.acquireLease(job.id, a, alive), second.acquireLease(job.id, b, alive)]
      expect(outcomes.filter((o) => o.acquired)).toHaveLength(1)
      expect(second.getLease(job.id)?.owner).toBe('run-a')
      first.close()
      second.close()
    })

    it('takes over a stale lease and reports whose it was; renewal then fails for the old owner', () => {
      const store = openJobStore(':memory:')
      const job = store.createJob(config)
      store.acquireLease(job.id, a, alive)
      const judged: string[] = []
      const outcome = store.acquireLease(job.id, b, (held) => {
        judged.push(held.owner)
        return stale()
      })
      expect(judged).toEqual(['run-a'])
      expect(outcome).toMatchObject({ acquired: true, takenOver: { owner: 'run-a', pid: 101 } })
      expect(store.renewLease(job.id, 'run-a')).toBe(false)
      expect(store.renewLease(job.id, 'run-b')).toBe(true)
      store.releaseLease(job.id, 'run-a')
      expect(store.getLease(job.id)?.owner).toBe('run-b')
      store.releaseLease(job.id, 'run-b')
      expect(store.getLease(job.id)).toBeNull()
      store.close()
    })

    it("marks running jobs whose owner is gone as interrupted, and leaves a live owner's job running", () => {
      const store = openJobStore(':memory:')
      const orphan = store.createJob(config)
      const owned = store.createJob({ ...config, name: 'owned' })
      const unleased = store.createJob({ ...config, name: 'unleased' })
      const paused = store.createJob({ ...config, name: 'paused' })
      for (const job of [orphan, owned, unleased]) store.updateJob(job.id, { status: 'running', stage: 'existing' })
      store.updateJob(paused.id, { status: 'paused' })
      store.acquireLease(orphan.id, a, alive)
      store.acquireLease(owned.id, b, alive)
      const interrupted = store.interruptOrphanedJobs((held) => held.owner === 'run-a')
      expect(interrupted.map((j) => j.name).sort()).toEqual(['crm', 'unleased'])
      expect(store.getJob(orphan.id)).toMatchObject({ status: 'interrupted', stage: 'existing' })
      expect(store.getLease(orphan.id)).toBeNull()
      expect(store.getJob(owned.id)?.status).toBe('running')
      expect(store.getLease(owned.id)?.owner).toBe('run-b')
      expect(store.getJob(paused.id)?.status).toBe('paused')
      store.close()
    })

    it('records the names of unsealed secrets, never their values', () => {
      const store = openJobStore(':memory:')
      const job = store.createJob(config)
      store.recordUnsealedSecrets(job.id, ['target.password', 'source.password'])
      store.recordUnsealedSecrets(job.id, ['source.password'])
      expect(store.unsealedSecretNames(job.id)).toEqual(['source.password', 'target.password'])
      store.close()
    })

    it('keeps each validation of a job, the last one readable as written, and drops them with the job', () => {
      const store = openJobStore(':memory:')
      const job = store.createJob(config)
      expect(store.lastValidation(job.id)).toBeNull()
      const base = {
        jobId: job.id,
        tables: [],
        repairSqlPath: null,
        rowsCompared: 0,
        rowsPerSecond: 0,
        whileReplicating: false,
        error: null,
      }
      store.saveValidation({
        ...base,
        id: 'v1',
        status: 'equal',
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:01:00.000Z',
      })
      store.saveValidation({
        ...base,
        id: 'v2',
        status: 'running',
        startedAt: '2026-01-02T00:00:00.000Z',
        finishedAt: null,
      })
      expect(store.lastValidation(job.id)).toMatchObject({ id: 'v2', status: 'running' })
      const ended = {
        ...base,
        id: 'v2',
        status: 'different' as const,
        startedAt: '2026-01-02T00:00:00.000Z',
        finishedAt: '2026-01-02T00:05:00.000Z',
        repairSqlPath: '/tmp/r.sql',
      }
      store.saveValidation(ended)
      expect(store.lastValidation(job.id)).toEqual(ended)
      store.deleteJob(job.id)
      expect(store.lastValidation(job.id)).toBeNull()
      store.close()
    })
  })
})

describe('control requests (another process asking a job owner to act)', () => {
  it('is taken once, answered, replaced by a later request, withdrawn only while pending, and deleted with its job', () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(config)
    expect(store.takeControlRequest(job.id)).toBeNull()
    const spec = { ...config.spec, concurrency: 8 }
    store.requestControl(job.id, { requestId: 'r1', action: 'rescale', spec, requestedBy: 'process 1 on h' })
    expect(store.readControlRequest(job.id)).toMatchObject({
      requestId: 'r1',
      state: 'pending',
      spec: { concurrency: 8 },
    })
    expect(store.takeControlRequest(job.id)).toMatchObject({ requestId: 'r1', action: 'rescale', state: 'taken' })
    expect(store.takeControlRequest(job.id)).toBeNull()
    // Taken: the requester cannot withdraw it any more.
    expect(store.withdrawControlRequest(job.id, 'r1')).toBe(false)
    store.answerControlRequest(job.id, 'r1', null)
    expect(store.readControlRequest(job.id)).toMatchObject({ state: 'done', error: null })

    store.requestControl(job.id, { requestId: 'r2', action: 'pause', spec: null, requestedBy: 'process 2 on h' })
    expect(store.readControlRequest(job.id)).toMatchObject({ requestId: 'r2', state: 'pending', answeredAt: null })
    const error = { code: 'X', stage: null, retryable: false, message: 'm', workaround: 'w' }
    store.answerControlRequest(job.id, 'r1', error)
    expect(store.readControlRequest(job.id)?.state).toBe('pending')
    expect(store.withdrawControlRequest(job.id, 'r2')).toBe(true)
    expect(store.readControlRequest(job.id)).toBeNull()

    store.requestControl(job.id, { requestId: 'r3', action: 'delete', spec: null, requestedBy: 'process 3 on h' })
    store.deleteJob(job.id)
    expect(store.readControlRequest(job.id)).toBeNull()
    store.close()
  })

  it("keeps a job's throughput and lag series bounded over days of samples, and deletes it with the job", () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(config)
    const other = store.createJob({ ...config, name: 'other' })
    const start = Date.UTC(2026, 0, 1)
    const days = 2
    for (let t = start; t < start + days * 24 * 3_600_000; t += 5_000) {
      const sample = {
        t,
        spanMs: 5_000,
        stage: 'incremental' as const,
        rowsPerSecond: 50,
        bytesPerSecond: 0,
        lagSeconds: 2,
      }
      store.appendSample(job.id, sample, t + 5_000)
    }
    store.appendSample(other.id, {
      t: start,
      spanMs: 5_000,
      stage: 'existing',
      rowsPerSecond: 1,
      bytesPerSecond: 1,
      lagSeconds: null,
    })
    const kept = store.listSamples(job.id)
    // 1 h at 5 s, 23 h at 1 min, a day at 10 min (give or take the samples since the last pass).
    expect(kept.length).toBeGreaterThan(720 + 1380 + 144 - 1)
    expect(kept.length).toBeLessThan(720 + 1380 + 144 + 60)
    expect(kept[0]).toMatchObject({ t: start, spanMs: 600_000, rowsPerSecond: 50, lagSeconds: 2 })
    expect(kept.at(-1)).toMatchObject({ spanMs: 5_000, stage: 'incremental' })
    expect(store.listSamples(other.id)).toHaveLength(1)
    store.deleteJob(job.id)
    expect(store.listSamples(job.id)).toEqual([])
    store.close()
  })

  it('records when each stage first ran and when the job left it', () => {
    const store = openJobStore(':memory:')
    const job = store.createJob({ ...config, type: 'both' })
    store.updateJob(job.id, { stage: 'schema', status: 'running' })
    store.updateJob(job.id, { stage: 'existing', status: 'running' })
    const copyStart = store.stageTimes(job.id).existing!.startedAt
    expect(store.stageTimes(job.id).schema!.finishedAt).not.toBeNull()
    // A pause and a resume keep the first start of the stage.
    store.updateJob(job.id, { stage: 'existing', status: 'paused' })
    store.updateJob(job.id, { stage: 'existing', status: 'running' })
    expect(store.stageTimes(job.id).existing).toEqual({ startedAt: copyStart, finishedAt: null })
    store.updateJob(job.id, { stage: 'incremental', status: 'running' })
    const times = store.stageTimes(job.id)
    expect(times.existing!.finishedAt).not.toBeNull()
    expect(times.incremental!.finishedAt).toBeNull()
    store.updateJob(job.id, { stage: 'incremental', status: 'finished' })
    expect(store.stageTimes(job.id).incremental!.finishedAt).not.toBeNull()
    store.close()
  })
})
