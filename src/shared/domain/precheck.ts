/** Precheck results as they cross IPC, the CLI's JSON and the job store. */
export const precheckStatuses = ['pass', 'warning', 'failed'] as const
export type PrecheckStatus = (typeof precheckStatuses)[number]

export interface PrecheckItem {
  /** Stable id, DM's where one exists (`binlog_format`), so docs and scripts can refer to it. */
  id: string
  title: string
  status: PrecheckStatus
  message: string
  /** The exact statement or setting that fixes it; empty when the item passed. */
  fix: string
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
