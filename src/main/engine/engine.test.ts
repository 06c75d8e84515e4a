import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { jobConfigSchema } from '../../shared/domain/job'
import { openJobStore } from '../store/jobStore'
import { createEngine } from './engine'
import type { SecretBox } from './secretBox'
import { memoryOnlySecrets } from './secretBox'

/** A real cipher standing in for the OS keychain, which only Electron's safeStorage reaches. */
function aesBox(): SecretBox {
  const key = randomBytes(32)
  return {
    atRest: true,
    note: 'test keychain',
    seal(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), body])
    },
    open(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12))
      decipher.setAuthTag(sealed.subarray(12, 28))
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}

const config = jobConfigSchema.parse({
  name: 'orders',
  source: { host: 'src', user: 'u', password: 'source-pw', ssh: { host: 'b', user: 'ops', password: 'ssh-pw' } },
  target: { host: 'tgt', user: 'root', password: 'target-pw' },
})

describe('engine secrets', () => {
  it('seals secrets with the host box: the store holds only ciphertext, the engine can read them back', () => {
    const store = openJobStore(':memory:')
    const engine = createEngine({ store, secrets: aesBox() })
    const job = engine.createJob(config)
    expect(store.sealedSecretNames(job.id).sort()).toEqual([
      'source.password',
      'source.ssh.password',
      'target.password',
    ])
    expect(store.getSealedSecret(job.id, 'source.password')!.toString('latin1')).not.toContain('source-pw')
    expect(engine.readSecret(job.id, 'source.password')).toBe('source-pw')
    expect(engine.readSecret(job.id, 'source.ssh.password')).toBe('ssh-pw')
    const detail = engine.getJob(job.id)
    expect(detail.config.source.hasPassword).toBe(true)
    expect(detail.config.source.ssh).toMatchObject({ host: 'b', hasPassword: true })
    expect(JSON.stringify(detail)).not.toMatch(/source-pw|ssh-pw|target-pw/)
    expect(JSON.stringify(engine.listEvents(job.id, {}))).not.toMatch(/source-pw|ssh-pw|target-pw/)
    engine.close()
  })

  it('without a keychain keeps secrets in memory only, stores none, and says so in the job log', () => {
    const store = openJobStore(':memory:')
    const engine = createEngine({ store, secrets: memoryOnlySecrets })
    const job = engine.createJob(config)
    expect(store.sealedSecretNames(job.id)).toEqual([])
    expect(engine.readSecret(job.id, 'target.password')).toBe('target-pw')
    expect(engine.listEvents(job.id, { minLevel: 'warning' })).toMatchObject([{ code: 'SECRETS_NOT_AT_REST' }])
    engine.close()
  })

  it('emits jobs:changed and job:log to subscribers', async () => {
    const engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
    const seen: string[] = []
    const off = engine.events.subscribe((channel) => seen.push(channel))
    const job = engine.createJob({
      ...config,
      source: { ...config.source, password: undefined, ssh: null },
      target: { ...config.target, password: undefined },
    })
    await engine.deleteJob(job.id)
    off()
    expect(seen).toEqual(['job:log', 'jobs:changed', 'jobs:changed'])
    engine.close()
  })
})

describe('engine start-up after a restart', () => {
  it('makes a running job whose process is gone interrupted, and asks for the passwords it kept in memory only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-engine-'))
    try {
      const path = join(dir, 'cutover.db')
      const before = createEngine({ store: openJobStore(path), secrets: memoryOnlySecrets })
      const job = before.createJob(config)
      before.store.updateJob(job.id, { status: 'running', stage: 'existing' })
      // The process that ran it is gone: a pid above the kernel's pid_max, on this host.
      before.store.acquireLease(job.id, { owner: 'gone', pid: 2 ** 30, host: hostname() }, () => false)
      before.close()

      const engine = createEngine({ store: openJobStore(path), secrets: memoryOnlySecrets })
      const detail = engine.getJob(job.id)
      expect(detail).toMatchObject({ status: 'interrupted', stage: 'existing' })
      expect(detail.missingSecrets).toEqual(['source.password', 'source.ssh.password', 'target.password'])
      expect(engine.store.getLease(job.id)).toBeNull()
      expect(engine.listEvents(job.id, { minLevel: 'warning' }).map((e) => e.code)).toContain('JOB_INTERRUPTED')
      await expect(engine.pauseJob(job.id)).rejects.toMatchObject({ code: 'JOB_NOT_RUNNING' })
      expect(() => engine.startJob(job.id)).toThrow(expect.objectContaining({ code: 'JOB_SECRETS_MISSING' }))
      expect(() => engine.startJob(job.id, {}, { 'source.password': 'source-pw' })).toThrow(
        /needs its source SSH password, target password again/,
      )
      expect(engine.getJob(job.id).missingSecrets).toEqual(['source.ssh.password', 'target.password'])
      expect(engine.getJob(job.id).status).toBe('interrupted')
      // A cutover asks for them too, before it connects anywhere, and names the app's action that asks.
      await expect(engine.cutoverJob(job.id, { freeze: 'manual' })).rejects.toMatchObject({
        code: 'JOB_SECRETS_MISSING',
        message: expect.stringMatching(/^Cutting over "\S+" needs its source SSH password, target password again/),
        surfaces: { app: 'Enter them again: Cut over asks for them.' },
      })
      // Its readiness does not connect without them (which would only say "Access denied"): a warning, not a failure.
      const readiness = await engine.cutoverReadiness(job.id)
      expect(readiness.items.find((i) => i.id === 'retention')).toMatchObject({
        status: 'warning',
        detail: expect.stringMatching(
          /^Not checked yet: this Cutover needs the job's source SSH password, target password again/,
        ),
      })
      engine.close()

      // A live owner (this process) keeps its job running through another engine's start-up.
      const third = createEngine({ store: openJobStore(path), secrets: memoryOnlySecrets })
      third.store.updateJob(job.id, { status: 'running' })
      third.store.acquireLease(job.id, { owner: 'live', pid: process.pid, host: hostname() }, () => true)
      third.close()
      const fourth = createEngine({ store: openJobStore(path), secrets: memoryOnlySecrets })
      expect(fourth.getJob(job.id).status).toBe('running')
      expect(() => fourth.startJob(job.id, {}, { 'source.password': 'x' })).toThrow(
        expect.objectContaining({ code: 'JOB_OWNED_ELSEWHERE' }),
      )
      // Pause names the owner instead of "is not running (it is running)".
      await expect(fourth.pauseJob(job.id)).rejects.toMatchObject({ code: 'JOB_OWNED_ELSEWHERE' })
      await expect(fourth.deleteJob(job.id)).rejects.toMatchObject({ code: 'JOB_OWNED_ELSEWHERE' })
      expect(fourth.store.getJob(job.id)).not.toBeNull()
      fourth.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('finds a run of another process that died while this engine is open: at once on Pause, else within a sweep', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
    try {
      const kill = (name: string) => {
        const job = engine.createJob({ ...config, name })
        engine.store.updateJob(job.id, { status: 'running', stage: 'existing' })
        engine.store.acquireLease(job.id, { owner: `cli-${name}`, pid: 2 ** 30, host: hostname() }, () => false)
        return job.id
      }
      const paused = kill('paused-one')
      await expect(engine.pauseJob(paused)).rejects.toMatchObject({
        code: 'JOB_NOT_RUNNING',
        message: 'The job "paused-one" is not running (it is interrupted).',
      })
      const swept = kill('swept-one')
      const changes: string[] = []
      engine.events.subscribe((channel, payload) => {
        if (channel === 'jobs:changed') changes.push((payload as { jobId: string }).jobId)
      })
      expect(engine.getJob(swept).status).toBe('running')
      vi.advanceTimersByTime(10_000)
      expect(engine.getJob(swept).status).toBe('interrupted')
      expect(changes).toEqual([swept])
    } finally {
      engine.close()
      vi.useRealTimers()
    }
  })
})

describe('controlJob: asking the process that runs a job', () => {
  /** A job stored as running under a lease of a live process (this one, as another owner would hold it). */
  function ownedElsewhere() {
    const engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
    const job = engine.createJob({ ...config, name: 'remote' })
    engine.store.updateJob(job.id, { status: 'running', stage: 'existing' })
    engine.store.acquireLease(job.id, { owner: 'other-run', pid: process.pid, host: hostname() }, () => false)
    return { engine, id: job.id }
  }
  /** Plays the owner: takes the request as soon as it is there, then does `act`. */
  async function owner(engine: ReturnType<typeof createEngine>, id: string, act: (requestId: string) => void) {
    for (;;) {
      const request = engine.store.takeControlRequest(id)
      if (request) return act(request.requestId)
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  it("returns once the owner answered, with the job's new status and who ran it", async () => {
    const { engine, id } = ownedElsewhere()
    const answered = owner(engine, id, (requestId) => {
      engine.store.releaseLease(id, 'other-run')
      engine.store.updateJob(id, { status: 'paused' })
      engine.store.answerControlRequest(id, requestId, null)
    })
    const result = await engine.controlJob('remote', { action: 'pause' }, { pollMs: 10 })
    await answered
    expect(result).toMatchObject({
      job: 'remote',
      action: 'pause',
      status: 'paused',
      owner: { pid: process.pid, host: hostname() },
    })
    engine.close()
  })

  it("passes on the owner's refusal, and reports a delete once the job is gone", async () => {
    const { engine, id } = ownedElsewhere()
    const error = { code: 'JOB_RESCALE_STATE', stage: null, retryable: false, message: 'no', workaround: 'later' }
    const refused = owner(engine, id, (requestId) => engine.store.answerControlRequest(id, requestId, error))
    const spec = { ...config.spec, concurrency: 2 }
    await expect(engine.controlJob(id, { action: 'rescale', spec }, { pollMs: 10 })).rejects.toMatchObject({
      code: 'JOB_RESCALE_STATE',
      message: 'no',
    })
    await refused
    const deleted = owner(engine, id, () => engine.store.deleteJob(id))
    await expect(engine.controlJob(id, { action: 'delete' }, { pollMs: 10 })).resolves.toMatchObject({
      status: 'deleted',
    })
    await deleted
    engine.close()
  })

  it('withdraws an untaken request after the wait and names the owner; acts here once the owner is gone', async () => {
    const { engine, id } = ownedElsewhere()
    await expect(engine.controlJob(id, { action: 'pause' }, { waitMs: 100, pollMs: 10 })).rejects.toMatchObject({
      code: 'JOB_CONTROL_TIMEOUT',
      message: expect.stringMatching(
        new RegExp(
          `^Process ${process.pid} on \\S+, which runs "remote" \\(since .+\\), did not take the pause request within 0.1 s`,
        ),
      ),
    })
    expect(engine.store.readControlRequest(id)).toBeNull()

    // The run ended (its lease released, the job paused) before it took the request: nothing runs the job now.
    const pending = engine.controlJob(id, { action: 'pause' }, { pollMs: 10 })
    engine.store.releaseLease(id, 'other-run')
    engine.store.updateJob(id, { status: 'paused' })
    await expect(pending).rejects.toMatchObject({
      code: 'JOB_NOT_RUNNING',
      message: 'The job "remote" is not running (it is paused).',
    })
    expect(engine.store.readControlRequest(id)).toBeNull()
    engine.close()
  })
})
