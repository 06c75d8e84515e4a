import { listSome, pass, plural, quoteIdentifier, warning, type PrecheckCheck } from '../check'
import { qualifiedName, targetTableOf, type CheckConstraintFacts, type PrecheckFacts } from '../precheckFacts'

const VARIABLE = 'tidb_enable_check_constraint'

/**
 * MariaDB gives every JSON column (an alias of LONGTEXT) a column-level `json_valid(col)` check named after
 * the column; it says "this is JSON", which TiDB's JSON type enforces by itself, so it is no user constraint.
 */
export function isAutomaticJsonCheck(facts: Pick<PrecheckFacts, 'source' | 'tables'>, check: CheckConstraintFacts): boolean {
  if (facts.source.info.flavor !== 'mariadb') return false
  const table = facts.tables.find((t) => t.schema === check.schema && t.name === check.table)
  const column = table?.columns.find((c) => c.name.toLowerCase() === check.name.toLowerCase())
  if (!column || column.dataType !== 'longtext') return false
  const clause = check.clause.replace(/\s+/g, '').toLowerCase()
  return clause === `json_valid(\`${column.name.replace(/`/g, '``').toLowerCase()}\`)`
}

/**
 * TiDB parses CHECK constraints but, with tidb_enable_check_constraint OFF (its default), creates the table
 * without them (warning 1105) and enforces nothing; turning the variable ON later does not bring them back.
 */
export const checkConstraintsCheck: PrecheckCheck = {
  id: 'check_constraints',
  title: 'CHECK constraints are kept on the target',
  appliesTo: (_config, servers) => servers.target.flavor === 'tidb',
  async run(facts) {
    const user = facts.checkConstraints.filter((c) => !isAutomaticJsonCheck(facts, c))
    const automatic = facts.checkConstraints.length - user.length
    const jsonNote =
      automatic > 0 ? ` MariaDB's automatic json_valid checks of ${plural(automatic, 'JSON column')} are not counted: TiDB's JSON type validates by itself.` : ''
    if (user.length === 0) return pass(`No CHECK constraints on the selected tables.${jsonNote}`)

    const tables = new Set(user.map((c) => `${c.schema}.${c.table}`))
    const listed = `${plural(user.length, 'CHECK constraint')} on ${plural(tables.size, 'table')}: ${listSome(user.map((c) => `${c.schema}.${c.table} ${c.name} (${c.clause})`))}.`
    const value = facts.target.variables.get(VARIABLE)
    if (value === undefined) {
      return warning(
        `${listed} TiDB ${facts.target.info.version} has no ${VARIABLE} (it arrived in TiDB 7.2): it parses CHECK constraints and ignores them, so the target will accept rows that break them.${jsonNote}`,
        `Upgrade the target to TiDB 7.2 or later and run SET GLOBAL ${VARIABLE} = ON; there before the job creates the tables, or enforce the rules in the application.`,
      )
    }
    if (/^(on|1)$/i.test(value)) {
      return pass(`${listed} The target has ${VARIABLE} = ON, so TiDB creates and enforces them.${jsonNote}`)
    }
    const existing = user.filter((c) => {
      const table = facts.tables.find((t) => t.schema === c.schema && t.name === c.table)
      return table !== undefined && targetTableOf(facts, table) !== undefined
    })
    const alters = existing
      .slice(0, 10)
      .map((c) => `ALTER TABLE ${quoteIdentifier(c.schema)}.${quoteIdentifier(c.table)} ADD CONSTRAINT ${quoteIdentifier(c.name)} CHECK (${c.clause});`)
    const already =
      existing.length > 0
        ? ` ${listSome([...new Set(existing.map((c) => qualifiedName({ schema: c.schema, name: c.table })))])} already exist on the target; the job does not re-create them, so add their constraints by hand.`
        : ''
    return warning(
      `${listed} The target has ${VARIABLE} = ${value}: TiDB then creates the tables without them (warning 1105 "${VARIABLE} is off"; SHOW CREATE TABLE does not list them, and setting the variable ON later does not bring them back) and accepts rows that break them.${already}${jsonNote}`,
      [`SET GLOBAL ${VARIABLE} = ON;  -- on the target, before the job creates the tables (GLOBAL only; TiDB keeps it cluster-wide)`, ...alters].join('\n'),
    )
  },
}
