import { globalSettingFix, pass, readsBinlog, warning, type PrecheckCheck } from '../check'
import type { ServerFacts } from '../precheckFacts'

const DAY = 86_400
const RECOMMENDED = 7 * DAY

/** Seconds a binlog is kept, or 0 for "never purged automatically". */
export function retentionSeconds(variables: ServerFacts['variables']): number {
  // MySQL 8 and MariaDB 10.6+ have binlog_expire_logs_seconds (MariaDB keeps it in step with expire_logs_days);
  // older servers only expire_logs_days, which MariaDB allows to be fractional.
  const seconds = Number(variables.get('binlog_expire_logs_seconds') ?? 0)
  if (seconds > 0) return seconds
  return Math.round(Number(variables.get('expire_logs_days') ?? 0) * DAY)
}

function human(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY} day${seconds === DAY ? '' : 's'}`
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1).replace(/\.0$/, '')} hours`
  return `${seconds} seconds`
}

export const binlogRetentionCheck: PrecheckCheck = {
  id: 'binlog_retention',
  title: 'Source keeps binlogs long enough',
  appliesTo: readsBinlog,
  async run(facts) {
    const seconds = retentionSeconds(facts.source.variables)
    const managed = facts.source.info.auroraRole !== null
    const fix = managed
      ? "CALL mysql.rds_set_configuration('binlog retention hours', 168);"
      : globalSettingFix(facts.source.info, 'binlog_expire_logs_seconds', String(RECOMMENDED), false)
    if (managed) {
      return warning(
        'Aurora and RDS purge binlogs after "binlog retention hours", which defaults to NULL (purged as soon as possible).',
        `${fix}\n(check the current value with CALL mysql.rds_show_configuration;)`,
      )
    }
    if (seconds === 0) return pass('Binlogs are never purged automatically; keep an eye on the disk while the job runs.')
    if (seconds < DAY) {
      return warning(
        `Binlogs are purged after ${human(seconds)}. If the job falls further behind than that (a long existing-data copy, a paused job), ` +
          'the position it needs is gone and the job must start over. At least 1 day is needed; 7 days is recommended.',
        fix,
      )
    }
    const note = seconds < RECOMMENDED ? ' 7 days is recommended for long copies or pauses.' : ''
    return pass(`Binlogs are kept for ${human(seconds)}.${note}`)
  },
}
