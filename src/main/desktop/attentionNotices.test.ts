import { describe, expect, it } from 'vitest'
import type { JobAlert } from '../../shared/domain/events'
import type { TableValidation, ValidationResult } from '../../shared/domain/validation'
import { noticeFor, trackAwakeWork } from './attentionNotices'

const context = { jobName: (id: string) => (id === 'j1' ? 'orders' : 'other'), wasRunning: () => true }

const table = (patch: Partial<TableValidation> = {}): TableValidation => ({
  table: 'shop.orders',
  status: 'equal',
  method: 'chunks',
  sourceRows: 10,
  targetRows: 10,
  chunks: 1,
  missing: 0,
  extra: 0,
  different: 0,
  differences: [],
  notes: [],
  rechecks: 0,
  seconds: 1,
  error: null,
  ...patch,
})

const validation = (patch: Partial<ValidationResult> = {}): ValidationResult => ({
  id: 'v1',
  jobId: 'j1',
  status: 'equal',
  startedAt: '2026-12-07T08:00:00.000Z',
  finishedAt: '2026-12-07T08:01:00.000Z',
  tables: [table(), table({ table: 'shop.items' })],
  repairSqlPath: null,
  rowsCompared: 20,
  rowsPerSecond: 20,
  whileReplicating: false,
  error: null,
  ...patch,
})

describe('desktop notices', () => {
  it('says how a validation ended: equal, N differences, failed; nothing when cancelled', () => {
    expect(noticeFor('validation:finished', validation(), context)).toEqual({
      title: 'Validation passed',
      body: 'orders: 2 tables equal on source and target (20 rows compared).',
    })
    const different = validation({
      status: 'different',
      tables: [table({ status: 'different', missing: 2, different: 1 }), table()],
    })
    expect(noticeFor('validation:finished', different, context)?.body).toBe(
      'orders: 3 rows differ in 1 table; open the job for the rows and the repair SQL.',
    )
    const failed = validation({
      status: 'failed',
      error: { code: 'X', stage: null, retryable: false, message: 'source lost', workaround: 'w' },
    })
    expect(noticeFor('validation:finished', failed, context)).toEqual({
      title: 'Validation failed',
      body: 'orders: source lost',
    })
    expect(noticeFor('validation:finished', validation({ status: 'cancelled' }), context)).toBeNull()
  })

  it('shows a raised alert and not its clearing', () => {
    const alert: JobAlert = {
      jobId: 'j1',
      jobName: 'orders',
      kind: 'stopped',
      since: '2026-12-07T08:00:00.000Z',
      status: 'paused',
      lagSeconds: null,
      message: 'orders has been paused for more than 6 h: resume it.',
    }
    expect(noticeFor('job:alert', { state: 'raised', alert }, context)).toEqual({
      title: 'Job paused too long',
      body: alert.message,
    })
    expect(noticeFor('job:alert', { state: 'cleared', alert }, context)).toBeNull()
    const lag = { ...alert, kind: 'lagRising' as const, status: 'running' as const }
    expect(noticeFor('job:alert', { state: 'raised', alert: lag }, context)?.title).toBe('Replication lag rising')
  })

  it('tells when a job is ready to cut over and how its cutover ended, not each step', () => {
    expect(noticeFor('job:caughtUp', { jobId: 'j1', at: '2026-12-07T10:00:00Z' }, context)?.title).toBe(
      'Ready to cut over',
    )
    const step = (s: 'done' | 'failed' | 'still') => ({
      jobId: 'j1',
      step: s,
      message: `step ${s}`,
      at: '2026-12-07T10:00:00Z',
      error: null,
    })
    expect(noticeFor('cutover:progress', step('done'), context)).toMatchObject({ title: 'Cut over' })
    expect(noticeFor('cutover:progress', step('failed'), context)).toMatchObject({ title: 'Not cut over' })
    expect(noticeFor('cutover:progress', step('still'), context)).toBeNull()
  })

  it('tells a finished or failed run, but not a job that was never running', () => {
    const failed = { jobId: 'j1', stage: null, status: 'failed' as const, error: null }
    expect(noticeFor('job:stageChanged', failed, context)?.title).toBe('Migration failed')
    expect(noticeFor('job:stageChanged', failed, { ...context, wasRunning: () => false })).toBeNull()
    expect(noticeFor('job:progress', { jobId: 'j1' } as never, context)).toBeNull()
  })
})

describe('work that keeps the machine awake', () => {
  it('counts running jobs and running validations, a validation even while its job is paused', () => {
    const work = trackAwakeWork()
    expect(work.busy()).toBe(false)
    expect(work.apply('job:stageChanged', { jobId: 'j1', stage: 'existing', status: 'running', error: null })).toBe(
      true,
    )
    expect(work.apply('job:stageChanged', { jobId: 'j1', stage: 'existing', status: 'running', error: null })).toBe(
      false,
    )
    expect(work.isRunning('j1')).toBe(true)
    expect(work.apply('job:stageChanged', { jobId: 'j1', stage: 'existing', status: 'paused', error: null })).toBe(true)
    expect(work.busy()).toBe(false)

    expect(work.apply('validation:started', { validationId: 'v1', jobId: 'j1' })).toBe(true)
    expect(work.busy()).toBe(true)
    expect(work.apply('validation:finished', validation({ status: 'failed' }))).toBe(true)
    expect(work.busy()).toBe(false)

    work.apply('job:stageChanged', { jobId: 'j2', stage: 'existing', status: 'running', error: null })
    expect(work.apply('jobs:changed', { jobId: 'j2', change: 'deleted' })).toBe(true)
    expect(work.busy()).toBe(false)
  })
})
