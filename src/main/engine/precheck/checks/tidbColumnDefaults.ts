/**
 * Column defaults a TiDB target cannot hold (a TEXT default other than '', an operator expression, a function
 * TiDB does not allow), decided by the schema stage's own rule (schema/tidbDefaults.ts) over the defaults
 * information_schema shows, so the job never fails on one after the precheck passed.
 */
import type { ServerInfo } from '../../connect/session'
import { textFormTypes } from '../../schema/ddlRewriter'
import { refusedDefaultFix, tidbDefaultVerdict } from '../../schema/tidbDefaults'
import { copiesExistingData, failed, listSome, pass, plural, type PrecheckCheck } from '../check'
import { qualifiedName, type ColumnFacts } from '../precheckFacts'

/** The default as SHOW CREATE TABLE spells it. MariaDB's COLUMN_DEFAULT already is that text; MySQL's is the value. */
function defaultSql(column: ColumnFacts, source: ServerInfo): string | null {
  const value = column.columnDefault ?? null
  if (value === null) return null
  if (source.flavor === 'mariadb') return value
  if (/DEFAULT_GENERATED/i.test(column.extra)) return /^current_timestamp/i.test(value) ? value : `(${value})`
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

export const tidbColumnDefaultsCheck: PrecheckCheck = {
  id: 'tidb_column_defaults',
  title: 'Column defaults TiDB can hold',
  // The schema stage creates tables only when the job copies existing data; an incremental job's tables exist.
  appliesTo: (config, servers) => servers.target.flavor === 'tidb' && copiesExistingData(config),
  async run(facts) {
    const refused: { where: string; reason: string; fix: string }[] = []
    const respelled: string[] = []
    for (const t of facts.tables) {
      if (t.kind !== 'table') continue
      for (const c of t.columns) {
        const sql = defaultSql(c, facts.source.info)
        if (sql === null) continue
        const fsp = Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? 0)
        const dataType = textFormTypes[c.dataType]?.dataType ?? c.dataType
        const verdict = tidbDefaultVerdict({ name: c.name, dataType, nullable: c.nullable, fsp }, sql)
        const where = `${qualifiedName(t)}.${c.name}`
        if (verdict.kind === 'refuse') {
          refused.push({
            where,
            reason: `${where} DEFAULT ${sql}: ${verdict.reason}`,
            fix: refusedDefaultFix(t, c.name),
          })
        } else if (verdict.kind === 'rewrite') {
          respelled.push(`${where} DEFAULT ${sql} → ${verdict.sql}`)
        } else if (verdict.kind === 'tolerated' && verdict.note !== null) {
          respelled.push(`${where} DEFAULT ${sql} (kept as TiDB's implicit default: SHOW CREATE TABLE shows none)`)
        }
      }
    }
    if (refused.length > 0) {
      return failed(
        `TiDB cannot hold ${plural(refused.length, 'column default')}, so creating ${refused.length === 1 ? 'its table' : 'their tables'} would fail: ${refused
          .slice(0, 10)
          .map((r) => r.reason)
          .join(' ')}${refused.length > 10 ? ` And ${refused.length - 10} more.` : ''}`,
        refused.map((r) => r.fix).join('\n'),
      )
    }
    if (respelled.length > 0) {
      return pass(
        `Every column default fits TiDB; ${plural(respelled.length, 'default is', 'defaults are')} spelled the way TiDB takes them, with the same values: ${listSome(respelled)}.`,
      )
    }
    return pass('Every column default fits TiDB as it is.')
  },
}
