/**
 * What deserves the user's attention on the desktop, decided from engine events alone (no Electron here, so it is
 * unit-tested): which event becomes which notification, and whether the machine must stay awake. One mapper per
 * event channel: a new notice is a new entry in `noticeMappers`.
 */
import type { EventChannel, EventPayload } from '../../shared/ipc/contract'

export interface DesktopNotice {
  title: string
  body: string
}

export interface NoticeContext {
  jobName: (jobId: string) => string
  /** Whether the job was running before this event (a job that was never started did not "fail"). */
  wasRunning: (jobId: string) => boolean
}

type NoticeMappers = {
  [E in EventChannel]?: (payload: EventPayload<E>, context: NoticeContext) => DesktopNotice | null
}

const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${n === 1 ? noun : `${noun}s`}`

export const noticeMappers: NoticeMappers = {
  'job:stageChanged': (change, { jobName, wasRunning }) => {
    if (!wasRunning(change.jobId)) return null
    if (change.status === 'finished')
      return { title: 'Migration finished', body: `${jobName(change.jobId)} copied all its data.` }
    if (change.status === 'failed') {
      return {
        title: 'Migration failed',
        body: `${jobName(change.jobId)}: ${change.error?.message ?? 'see the job log'}`,
      }
    }
    return null
  },
  'job:caughtUp': ({ jobId }, { jobName }) => ({
    title: 'Ready to cut over',
    body: `${jobName(jobId)} has replicated every change (lag 0): open the job for its cutover readiness.`,
  }),
  'cutover:progress': (p, { jobName }) =>
    p.step === 'done'
      ? { title: 'Cut over', body: `${jobName(p.jobId)}: ${p.message}` }
      : p.step === 'failed'
        ? { title: 'Not cut over', body: `${jobName(p.jobId)}: ${p.message}` }
        : null,
  'job:alert': ({ state, alert }) => {
    if (state !== 'raised') return null
    const title = alert.kind === 'stopped' ? `Job ${alert.status ?? 'stopped'} too long` : 'Replication lag rising'
    return { title, body: alert.message }
  },
  'validation:finished': (result, { jobName }) => {
    const name = jobName(result.jobId)
    if (result.status === 'equal') {
      return {
        title: 'Validation passed',
        body: `${name}: ${plural(result.tables.length, 'table')} equal on source and target (${plural(result.rowsCompared, 'row')} compared).`,
      }
    }
    if (result.status === 'different') {
      const rows = result.tables.reduce((n, t) => n + t.missing + t.extra + t.different, 0)
      const tables = result.tables.filter((t) => t.status !== 'equal').length
      return {
        title: 'Validation found differences',
        body: `${name}: ${plural(rows, 'row')} differ in ${plural(tables, 'table')}; open the job for the rows and the repair SQL.`,
      }
    }
    if (result.status === 'failed') {
      return { title: 'Validation failed', body: `${name}: ${result.error?.message ?? 'see the job log'}` }
    }
    return null
  },
}

export function noticeFor<E extends EventChannel>(
  channel: E,
  payload: EventPayload<E>,
  context: NoticeContext,
): DesktopNotice | null {
  const mapper = noticeMappers[channel] as ((p: EventPayload<E>, c: NoticeContext) => DesktopNotice | null) | undefined
  return mapper ? mapper(payload, context) : null
}

/**
 * The work that keeps the machine awake: running jobs (a sleeping laptop drops the binlog connection and stretches
 * the downtime window) and running validations (a sleep in the middle restarts their chunk comparisons).
 */
export interface AwakeWork {
  /** Applies one event; true when the set of running work changed. */
  apply<E extends EventChannel>(channel: E, payload: EventPayload<E>): boolean
  isRunning(jobId: string): boolean
  busy(): boolean
  clear(): void
}

export function trackAwakeWork(): AwakeWork {
  const jobs = new Set<string>()
  const validations = new Set<string>()
  const change = (set: Set<string>, id: string, on: boolean) => {
    const had = set.has(id)
    if (on) set.add(id)
    else set.delete(id)
    return had !== on
  }
  return {
    apply(channel, payload) {
      if (channel === 'job:stageChanged') {
        const p = payload as EventPayload<'job:stageChanged'>
        return change(jobs, p.jobId, p.status === 'running')
      }
      if (channel === 'jobs:changed') {
        const p = payload as EventPayload<'jobs:changed'>
        return p.change === 'deleted' && change(jobs, p.jobId, false)
      }
      if (channel === 'validation:started')
        return change(validations, (payload as { validationId: string }).validationId, true)
      if (channel === 'validation:finished') return change(validations, (payload as { id: string }).id, false)
      return false
    },
    isRunning: (jobId) => jobs.has(jobId),
    busy: () => jobs.size > 0 || validations.size > 0,
    clear() {
      jobs.clear()
      validations.clear()
    },
  }
}
