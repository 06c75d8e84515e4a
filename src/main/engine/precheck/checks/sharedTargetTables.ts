import { failed, pass, warning, type PrecheckCheck } from '../check'
import type { ActiveJob } from '../precheckFacts'
import { qualifiedName } from '../precheckFacts'

/** Whether another job writes `db.table`: yes, no, or unknown (it selects `all` of a different source). */
function writes(other: ActiveJob, table: string, sameSource: boolean): boolean | null {
  const key = table.toLowerCase()
  if (other.tables?.some((t) => t.toLowerCase() === key)) return true
  if (other.objects === undefined) return null
  if (other.objects === 'all') return sameSource ? true : null
  const schema = key.slice(0, key.indexOf('.'))
  return other.objects.some((o) => o.toLowerCase() === key || o.toLowerCase() === schema)
}

const listed = (tables: string[]): string =>
  tables.length <= 8 ? tables.join(', ') : `${tables.slice(0, 8).join(', ')} and ${tables.length - 8} more`

/**
 * Two jobs of one store writing the same target tables overwrite each other's rows (and a physical load refuses a
 * table the other filled): refused, naming the other job and the tables. Jobs that write other tables of the same
 * target while running share its capacity: a warning. Finished jobs write nothing more.
 */
export const sharedTargetTablesCheck: PrecheckCheck = {
  id: 'shared_target_tables',
  title: 'No other job writes the same target tables',
  appliesTo: () => true,
  async run(facts) {
    const { target, source } = facts.config
    const here = `${target.host}:${target.port}`
    const mine = facts.tables.filter((t) => t.kind !== 'view').map(qualifiedName)
    const others = facts.activeJobs.filter(
      (j) =>
        j.status !== 'finished' &&
        j.name !== facts.config.name &&
        j.target.host === target.host &&
        j.target.port === target.port,
    )
    const shared: string[] = []
    const unknown: string[] = []
    const disjointRunning: string[] = []
    for (const other of others) {
      const sameSource = other.source?.host === source.host && other.source.port === source.port
      const verdicts = mine.map((t) => [t, writes(other, t, sameSource)] as const)
      const both = verdicts.filter(([, v]) => v === true).map(([t]) => t)
      if (both.length > 0) shared.push(`"${other.name}" (${other.status}): ${listed(both)}`)
      else if (verdicts.some(([, v]) => v === null))
        unknown.push(`"${other.name}" (${other.status}, all databases of ${other.source?.host}:${other.source?.port})`)
      else if (other.status === 'running') disjointRunning.push(`"${other.name}"`)
    }
    if (shared.length > 0) {
      return failed(
        `Other jobs write tables this job writes on ${here}: ${shared.join('; ')}. Two jobs writing one table overwrite each other's rows.`,
        'Leave those tables out of this job (or out of the other one), or delete the other job if it is no longer needed.',
      )
    }
    if (unknown.length > 0) {
      return warning(
        `${unknown.join(', ')} also ${unknown.length === 1 ? 'writes' : 'write'} to ${here} and may write the same tables: ${unknown.length === 1 ? 'it selects' : 'they select'} every database of another source.`,
        'Make sure the two jobs write different tables; if not, leave the shared tables out of one of them.',
      )
    }
    if (disjointRunning.length > 0) {
      return warning(
        `${disjointRunning.join(', ')} ${disjointRunning.length === 1 ? 'is' : 'are'} running against ${here} too, on other tables: the jobs share the target's write capacity.`,
        'Expect both to be slower while they run together, or start this job once the other has finished its existing data.',
      )
    }
    return pass(
      others.length === 0
        ? `No other job in this store writes to ${here}.`
        : `${others.length === 1 ? 'The other job' : `The ${others.length} other jobs`} writing to ${here} write other tables.`,
    )
  },
}
