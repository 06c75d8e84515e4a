import { failed, listSome, pass, plural, quoteIdentifier, warning, type PrecheckCheck } from '../check'
import { qualifiedName, targetTableOf, type PrecheckFacts, type TableFacts } from '../precheckFacts'
import { targetCollation } from '../../schema/collationMapping'
import { targetColumnType } from '../../schema/ddlRewriter'
import { hasRowIdentity as keysIdentifyRow } from '../../vocabulary/rowIdentity'

/** What lets the copy chunk and replication find one row (vocabulary/rowIdentity.ts). */
export function hasRowIdentity(table: TableFacts): boolean {
  return keysIdentifyRow(
    table.indexes.filter((i) => i.unique),
    table.columns,
  )
}

function keyColumns(table: TableFacts): string {
  const pk = table.indexes.find((i) => i.name === 'PRIMARY')
  return pk ? pk.parts.map((p) => p.column).join(',') : ''
}

/**
 * A column type as both sides can be compared: integer display widths dropped (MySQL 8.0.19+ and TiDB print `int`
 * where MariaDB and MySQL 5.7 print `int(11)`; the width never changes what is stored), and `year(4)` as `year`.
 */
function comparableType(columnType: string): string {
  return columnType
    .toLowerCase()
    .replace(/\b(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)/, '$1')
    .replace(/\byear\(4\)/, 'year')
}

/**
 * What the schema stage would write for `source` on this target (collations mapped, MariaDB-only types in their text
 * form, spatial columns dropped on TiDB), so a table Cutover created itself compares equal to its source.
 */
function asWrittenOnTarget(source: TableFacts, facts: PrecheckFacts): TableFacts {
  const target = { isTidb: facts.target.info.flavor === 'tidb' }
  const object = qualifiedName(source)
  // A collation the target cannot map is the charset check's failure; here it simply stays as the source has it.
  const collation = (name: string | null, where: string): string | null => {
    if (name === null) return null
    try {
      return targetCollation(name, facts.targetCatalog, where)
    } catch {
      return name
    }
  }
  return {
    ...source,
    collation: collation(source.collation, object),
    columns: source.columns.flatMap((c) => {
      const columnType = targetColumnType(c.dataType, c.columnType, target)
      if (columnType === null) return []
      return [{ ...c, columnType, collation: collation(c.collation, `${object}.${c.name}`) }]
    }),
  }
}

/** `value` as the source has it, and what the schema stage writes for it where that differs. */
function asWritten(original: string | null | undefined, written: string | null): string {
  return original && original !== written ? `${original} (written as ${written})` : (written ?? '')
}

/** `written`: `source` as the schema stage would create it (asWrittenOnTarget); messages name the source's own values. */
function differences(source: TableFacts, written: TableFacts, target: TableFacts): string[] {
  const out: string[] = []
  if (written.collation && target.collation && written.collation !== target.collation) {
    out.push(`collation ${asWritten(source.collation, written.collation)} vs ${target.collation}`)
  }
  if (keyColumns(written) !== keyColumns(target)) {
    out.push(`primary key (${keyColumns(written) || 'none'}) vs (${keyColumns(target) || 'none'})`)
  }
  const targetColumns = new Set(target.columns.map((c) => c.name.toLowerCase()))
  const writtenColumns = new Set(written.columns.map((c) => c.name.toLowerCase()))
  const missing = written.columns.filter((c) => !targetColumns.has(c.name.toLowerCase())).map((c) => c.name)
  // Extra target columns are harmless when they can be left out of an INSERT.
  const extra = target.columns
    .filter((c) => !writtenColumns.has(c.name.toLowerCase()) && !c.nullable)
    .map((c) => c.name)
  if (missing.length > 0) out.push(`target lacks column ${missing.join(', ')}`)
  if (extra.length > 0) out.push(`target has NOT NULL column ${extra.join(', ')} the source lacks`)
  for (const column of written.columns) {
    const original = source.columns.find((c) => c.name === column.name)
    const twin = target.columns.find((c) => c.name.toLowerCase() === column.name.toLowerCase())
    if (twin && comparableType(twin.columnType) !== comparableType(column.columnType))
      out.push(`${column.name} is ${asWritten(original?.columnType, column.columnType)} vs ${twin.columnType}`)
    else if (twin && column.collation && twin.collation && twin.collation !== column.collation) {
      out.push(`${column.name} collation ${asWritten(original?.collation, column.collation)} vs ${twin.collation}`)
    }
  }
  return out
}

export const tableSchemaCheck: PrecheckCheck = {
  id: 'table_schema',
  title: 'Selected tables can be migrated safely',
  appliesTo: () => true,
  async run(facts) {
    if (facts.unmatchedObjects.length > 0) {
      return failed(
        `${listSome(facts.unmatchedObjects)} ${facts.unmatchedObjects.length === 1 ? 'matches' : 'match'} nothing on the source, or the source user cannot see ${facts.unmatchedObjects.length === 1 ? 'it' : 'them'}.`,
        'If the names are right, GRANT SELECT on them to the source user.',
        [{ kind: 'setting', setting: 'objects', join: 'or', note: 'names are case-sensitive' }],
      )
    }
    const tables = facts.tables.filter((t) => t.kind === 'table')
    if (facts.tables.length === 0) {
      return failed(
        'No tables are selected: the source has no user tables the source user can see.',
        "Check the source user's SELECT grants.",
        [{ kind: 'setting', setting: 'objects', join: 'then' }],
      )
    }
    const findings: string[] = []
    const fixes: string[] = []
    const noKey = tables.filter((t) => !hasRowIdentity(t))
    if (noKey.length > 0) {
      findings.push(
        `${plural(noKey.length, 'table')} without a primary key or NOT NULL unique key (${listSome(noKey.map(qualifiedName))}): ` +
          'replication must match rows by every column, is slow on large tables, and a retry after an error can duplicate rows.',
      )
      fixes.push(
        ...noKey
          .slice(0, 20)
          .map(
            (t) =>
              `ALTER TABLE ${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)} ADD COLUMN \`cutover_row_id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY INVISIBLE;`,
          ),
        ...(noKey.length > 20
          ? [
              `-- and the same for the other ${noKey.length - 20} tables; or add a primary key over columns that identify a row`,
            ]
          : []),
      )
    }
    const withFk = tables.filter((t) => t.foreignKeys.length > 0)
    if (withFk.length > 0) {
      const selected = new Set(facts.tables.map(qualifiedName))
      const outside = withFk
        .flatMap((t) => t.foreignKeys.map((f) => `${f.references.schema}.${f.references.table}`))
        .filter((r) => !selected.has(r))
      findings.push(
        `${plural(withFk.length, 'table')} with foreign keys (${listSome(withFk.map(qualifiedName))}): data is loaded with foreign_key_checks = 0 ` +
          'and TiDB enforces foreign keys only from v6.6; ON DELETE/UPDATE cascades on the target do not replay source cascades.' +
          (outside.length > 0 ? ` Referenced tables not selected: ${listSome([...new Set(outside)])}.` : ''),
      )
      fixes.push(
        outside.length > 0
          ? `Add ${listSome([...new Set(outside)])} to the job's objects.`
          : '-- No change needed if the target is TiDB 6.6 or later.',
      )
    }
    const mismatched: string[] = []
    for (const t of tables) {
      const twin = targetTableOf(facts, t)
      if (!twin) continue
      const diff = differences(t, asWrittenOnTarget(t, facts), twin)
      if (diff.length > 0) mismatched.push(`${qualifiedName(t)} (${diff.slice(0, 3).join('; ')})`)
    }
    if (mismatched.length > 0) {
      findings.push(
        `${plural(mismatched.length, 'table')} already on the target differ from the source: ${listSome(mismatched, 5)}.`,
      )
      fixes.push(
        'Drop those tables on the target so Cutover creates them from the source definition, or ALTER them to match.',
      )
    }
    if (findings.length === 0) {
      return pass(
        `${plural(tables.length, 'table')} checked: every one has a primary or unique key, none has foreign keys, none conflicts with the target.`,
      )
    }
    return warning(findings.join(' '), fixes.join('\n'))
  },
}
