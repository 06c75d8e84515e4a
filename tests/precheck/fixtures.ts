/** Job configs and report lookups the precheck suites share. */
import type { JobConfig } from '../../src/shared/domain/job'
import { jobConfigSchema, type JobConfigInput } from '../../src/shared/domain/job'
import type { PrecheckItem, PrecheckReport } from '../../src/shared/domain/precheck'
import type { MariaDbConnectionOptions } from '../harness/servers'

export function jobFor(
  source: MariaDbConnectionOptions,
  target: MariaDbConnectionOptions,
  extra: Partial<Omit<JobConfigInput, 'source' | 'target'>> = {},
): JobConfig {
  return jobConfigSchema.parse({
    name: 'precheck-test',
    source: { host: source.host, port: source.port, user: source.user, password: source.password },
    target: { host: target.host, port: target.port, user: target.user, password: target.password },
    ...extra,
  })
}

export function item(report: PrecheckReport, id: string): PrecheckItem {
  const found = report.items.find((i) => i.id === id)
  if (!found) throw new Error(`no ${id} item; got ${report.items.map((i) => i.id).join(', ')}`)
  return found
}

export function statuses(report: PrecheckReport): Record<string, string> {
  return Object.fromEntries(report.items.map((i) => [i.id, i.status]))
}
