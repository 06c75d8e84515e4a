/** Precheck results as they cross IPC, the CLI's JSON and the job store. */
export const precheckStatuses = ['pass', 'warning', 'failed'] as const
export type PrecheckStatus = (typeof precheckStatuses)[number]

/** A job setting a precheck fix can point at. */
export type FixSetting = 'mode' | 'type' | 'start' | 'objects'

/**
 * A part of a fix that each surface words where it is made: a choice in the job's own settings (a job file field
 * on the CLI, a wizard step in the app), or where the schema rewrites can be read. See `fixWording.ts`.
 */
export type FixAction =
  | {
      kind: 'setting'
      setting: FixSetting
      /** The value to choose, where one is meant ('logical', 'both'). */
      value?: string
      /** How it follows the fix before it: an alternative, or the next step. */
      join: 'or' | 'then'
      /** Why, in words that hold on every surface. */
      note?: string
    }
  | { kind: 'rewrites' }

export interface PrecheckItem {
  /** Stable id, DM's where one exists (`binlog_format`), so docs and scripts can refer to it. */
  id: string
  title: string
  status: PrecheckStatus
  message: string
  /** The exact statement or server setting that fixes it, in words for every surface; empty when it passed. */
  fix: string
  /** The rest of the fix, worded by the surface that shows it (`precheckFixText`). */
  actions?: FixAction[]
  durationMs: number
}

export interface PrecheckServerSummary {
  /** `user@host:port`, never a password. */
  endpoint: string
  flavor: 'mysql' | 'mariadb' | 'tidb'
  version: string
  versionString: string
}

export interface PrecheckReport {
  jobName: string
  startedAt: string
  finishedAt: string
  /** Absent when the servers could not be identified (the report then only exists as an error). */
  source: PrecheckServerSummary | null
  target: PrecheckServerSummary | null
  items: PrecheckItem[]
  summary: { pass: number; warning: number; failed: number }
}

export function summarize(items: Pick<PrecheckItem, 'status'>[]): PrecheckReport['summary'] {
  const summary = { pass: 0, warning: 0, failed: 0 }
  for (const item of items) summary[item.status]++
  return summary
}
