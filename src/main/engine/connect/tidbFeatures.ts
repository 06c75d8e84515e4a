/**
 * What a TiDB target actually does with features its version number does not decide. Self-hosted TiDB 8.x/9.x
 * still ignores FULLTEXT (warning 1214, the index is not created) while TiDB Cloud builds one, so the answer
 * comes from asking the target, not from `tidbVersion`. Shared by the precheck and the schema stage so both
 * tell the user the same thing.
 */
import { randomBytes } from 'node:crypto'

/** The query shape both a pooled precheck side and an SqlSession offer. */
export type TargetQuery = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>

export interface FulltextProbe {
  /** `kept`: the target creates FULLTEXT indexes; `dropped`: it ignores or rejects them; `unknown`: the probe could not run. */
  fulltext: 'kept' | 'dropped' | 'unknown'
  /** One sentence on what the probe saw, for messages and logs. */
  evidence: string
}

const quote = (name: string) => '`' + name.replace(/`/g, '``') + '`'
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error))
const errno = (error: unknown) => (error as { errno?: number }).errno

/** TiDB's answers when it refuses (rather than ignores) a FULLTEXT index: 1214 table type, 8200 unsupported DDL. */
const REFUSES_FULLTEXT = new Set([1214, 8200])

/**
 * Creates a table with one FULLTEXT index and looks whether the index exists, then drops the table. It runs in
 * one of `databases` (the job's, which the job needs CREATE and DROP on anyway): an existing one if there is
 * one, else it creates the first and drops it again. Temporary tables would leave even less behind but need
 * CREATE TEMPORARY TABLES, which the job does not, and a server-side feature may not apply to them.
 */
export async function probeFulltext(query: TargetQuery, databases: readonly string[]): Promise<FulltextProbe> {
  if (databases.length === 0) return { fulltext: 'unknown', evidence: 'no database to probe in was selected' }
  const lowered = databases.map((d) => d.toLowerCase())
  let existing: string | undefined
  try {
    const rows = await query<{ s: unknown }>(
      `SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE LOWER(SCHEMA_NAME) IN (${lowered.map(() => '?').join(', ')})`,
      lowered,
    )
    const found = new Set(rows.map((r) => String(r.s).toLowerCase()))
    existing = databases.find((d) => found.has(d.toLowerCase()))
  } catch (error) {
    return { fulltext: 'unknown', evidence: `the target's databases could not be listed: ${errorText(error)}` }
  }
  const database = existing ?? databases[0]!
  const table = `_cutover_probe_${randomBytes(6).toString('hex')}`
  const qualified = `${quote(database)}.${quote(table)}`
  let createdDatabase = false
  try {
    if (existing === undefined) {
      // Not IF NOT EXISTS: a database someone else creates meanwhile must not be dropped below.
      await query(`CREATE DATABASE ${quote(database)}`)
      createdDatabase = true
    }
    try {
      await query(`CREATE TABLE ${qualified} (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY cutover_probe_ft (body))`)
    } catch (error) {
      const code = errno(error)
      if (code !== undefined && REFUSES_FULLTEXT.has(code)) {
        return { fulltext: 'dropped', evidence: `the target refuses a FULLTEXT index (error ${code}: ${errorText(error)})` }
      }
      throw error
    }
    const indexes = await query<Record<string, unknown>>(`SHOW INDEX FROM ${qualified}`)
    const kept = indexes.some((r) => String(r['Key_name'] ?? r['key_name'] ?? '').toLowerCase() === 'cutover_probe_ft')
    return kept
      ? { fulltext: 'kept', evidence: 'a FULLTEXT index created on a probe table on the target exists' }
      : {
          fulltext: 'dropped',
          evidence: 'a probe table on the target was created without its FULLTEXT index (TiDB ignores FULLTEXT with warning 1214)',
        }
  } catch (error) {
    return { fulltext: 'unknown', evidence: `a probe table could not be created in ${database} on the target: ${errorText(error)}` }
  } finally {
    // Best effort: a lost connection leaves at most an empty `_cutover_probe_…` table (or the job's own, empty database).
    await query(`DROP TABLE IF EXISTS ${qualified}`).catch(() => undefined)
    if (createdDatabase) await query(`DROP DATABASE IF EXISTS ${quote(database)}`).catch(() => undefined)
  }
}
