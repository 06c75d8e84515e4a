import type { FixAction } from '../../../../shared/domain/precheck'
import { failed, listSome, pass, quoteIdentifier, warning, type PrecheckCheck } from '../check'
import { qualifiedName, type ColumnFacts, type IndexFacts, type PrecheckFacts, type TableFacts } from '../precheckFacts'

const MAX_IDENTIFIER = 64
const fixedBytes: Record<string, number> = {
  tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 8, float: 4, double: 8, real: 8,
  date: 3, time: 6, datetime: 8, timestamp: 7, year: 1, enum: 2, set: 8, json: 4_294_967_295,
  inet4: 4, inet6: 16, uuid: 16,
  tinyblob: 255, blob: 65_535, mediumblob: 16_777_215, longblob: 4_294_967_295,
}

function decimalBytes(columnType: string): number {
  const digits = Number(/\((\d+)/.exec(columnType)?.[1] ?? 10)
  return Math.ceil((digits / 9) * 4) + 1
}

function bitBytes(columnType: string): number {
  return Math.ceil(Number(/\((\d+)/.exec(columnType)?.[1] ?? 1) / 8)
}

/** Bytes one character of `charset` may take on the target (utf8mb4 4, utf8 3, latin1 1). */
function charBytes(facts: Pick<PrecheckFacts, 'targetCharsets'>, column: ColumnFacts): number {
  if (!column.charset) return 1
  return facts.targetCharsets.get(column.charset.toLowerCase())?.maxLen ?? (column.maxChars && column.maxBytes ? Math.ceil(column.maxBytes / column.maxChars) : 4)
}

/** Largest value size a column can hold, in bytes. */
export function columnMaxBytes(facts: Pick<PrecheckFacts, 'targetCharsets'>, column: ColumnFacts): number {
  if (column.maxChars !== null) return column.charset ? column.maxChars * charBytes(facts, column) : (column.maxBytes ?? column.maxChars)
  if (column.dataType === 'decimal' || column.dataType === 'numeric') return decimalBytes(column.columnType)
  if (column.dataType === 'bit') return bitBytes(column.columnType)
  return fixedBytes[column.dataType] ?? 8
}

export function indexKeyBytes(facts: Pick<PrecheckFacts, 'targetCharsets'>, table: TableFacts, index: IndexFacts): number {
  let total = 0
  for (const part of index.parts) {
    const column = table.columns.find((c) => c.name === part.column)
    if (!column) continue
    if (part.subPart !== null) total += column.charset ? part.subPart * charBytes(facts, column) : part.subPart
    else total += columnMaxBytes(facts, column)
  }
  return total
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`
}

export const targetLimitsCheck: PrecheckCheck = {
  id: 'target_limits',
  title: 'Tables fit the target\'s limits',
  appliesTo: () => true,
  async run(facts) {
    const limits = facts.targetLimits
    const rowLimit = Math.min(limits.maxAllowedPacket, limits.txnEntrySizeLimit ?? Number.POSITIVE_INFINITY)
    const rowLimitName = limits.txnEntrySizeLimit !== null && limits.txnEntrySizeLimit <= limits.maxAllowedPacket
      ? `txn-entry-size-limit (${mib(limits.txnEntrySizeLimit)})`
      : `max_allowed_packet (${mib(limits.maxAllowedPacket)})`
    const longNames: string[] = []
    const longIndexes: { text: string; fix: string }[] = []
    const wide: string[] = []
    const bigRows: string[] = []
    const mayBeBig: string[] = []
    for (const s of new Set(facts.tables.map((t) => t.schema))) if ([...s].length > MAX_IDENTIFIER) longNames.push(`database ${s}`)
    for (const t of facts.tables) {
      if ([...t.name].length > MAX_IDENTIFIER) longNames.push(`table ${qualifiedName(t)}`)
      for (const c of t.columns) if ([...c.name].length > MAX_IDENTIFIER) longNames.push(`column ${qualifiedName(t)}.${c.name}`)
      if (t.kind !== 'table') continue
      for (const i of t.indexes) {
        if ([...i.name].length > MAX_IDENTIFIER) longNames.push(`index ${qualifiedName(t)}.${i.name}`)
        if (i.type === 'FULLTEXT' || i.type === 'SPATIAL') continue
        const bytes = indexKeyBytes(facts, t, i)
        if (bytes <= limits.maxIndexLength) continue
        const widest = i.parts
          .map((p) => ({ p, c: t.columns.find((c) => c.name === p.column) }))
          .filter((x) => x.c?.charset)
          .sort((a, b) => columnMaxBytes(facts, b.c!) - columnMaxBytes(facts, a.c!))[0]
        let fix = `Raise max-index-length in the TiDB configuration (up to 12288), or shorten the index.`
        if (widest?.c) {
          const per = charBytes(facts, widest.c)
          const own = widest.p.subPart !== null ? widest.p.subPart * per : columnMaxBytes(facts, widest.c)
          const prefix = Math.max(1, Math.floor((limits.maxIndexLength - (bytes - own)) / per))
          const parts = i.parts.map((p) => (p === widest.p ? `${quoteIdentifier(p.column)}(${prefix})` : quoteIdentifier(p.column))).join(', ')
          const kind = i.name === 'PRIMARY' ? 'PRIMARY KEY' : i.unique ? `UNIQUE INDEX ${quoteIdentifier(i.name)}` : `INDEX ${quoteIdentifier(i.name)}`
          const drop = i.name === 'PRIMARY' ? 'DROP PRIMARY KEY' : `DROP INDEX ${quoteIdentifier(i.name)}`
          fix = `ALTER TABLE ${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)} ${drop}, ADD ${kind} (${parts});  -- on the source, or raise max-index-length on TiDB`
        }
        longIndexes.push({ text: `${qualifiedName(t)}.${i.name} (${bytes} bytes)`, fix })
      }
      if (t.columns.length > limits.maxColumns) wide.push(`${qualifiedName(t)} (${t.columns.length} columns)`)
      if (t.avgRowLength > rowLimit) bigRows.push(`${qualifiedName(t)} (average row ${mib(t.avgRowLength)})`)
      else {
        const declared = t.columns.reduce((sum, c) => sum + columnMaxBytes(facts, c), 0)
        if (declared > rowLimit) mayBeBig.push(qualifiedName(t))
      }
    }
    const problems: string[] = []
    const fixes: string[] = []
    const actions: FixAction[] = []
    if (longNames.length > 0) {
      problems.push(`Names longer than ${MAX_IDENTIFIER} characters: ${listSome(longNames)}.`)
      fixes.push('Rename them on the source (RENAME TABLE / ALTER TABLE … RENAME COLUMN).')
      actions.push({ kind: 'setting', setting: 'objects', join: 'or', note: 'leave those tables out' })
    }
    if (longIndexes.length > 0) {
      problems.push(`Index keys longer than the target's max-index-length (${limits.maxIndexLength} bytes): ${listSome(longIndexes.map((i) => i.text))}.`)
      fixes.push(...longIndexes.slice(0, 10).map((i) => i.fix))
    }
    if (wide.length > 0) {
      problems.push(`More columns than the target allows (${limits.maxColumns}): ${listSome(wide)}.`)
      fixes.push('Raise table-column-count-limit in the TiDB configuration (up to 4096), or split the tables.')
    }
    if (bigRows.length > 0) {
      problems.push(`Rows larger than ${rowLimitName}: ${listSome(bigRows)}.`)
      fixes.push('Raise txn-entry-size-limit (TiDB, up to 120 MiB, and TiKV raft-entry-max-size with it) and max_allowed_packet on the target.')
    }
    if (problems.length > 0) return failed(problems.join(' '), fixes.join('\n'), actions.length > 0 ? actions : undefined)
    if (mayBeBig.length > 0) {
      return warning(
        `Rows of ${listSome(mayBeBig)} may exceed ${rowLimitName}: their declared columns allow it, though the average row is smaller.`,
        "Check the largest values, e.g. SELECT MAX(LENGTH(col)) FROM t; rows over the limit fail to load with 'entry too large'. Raise the limit on the target if needed.",
      )
    }
    return pass(`Names, index keys (max ${limits.maxIndexLength} bytes), column counts and row sizes fit the target.`)
  },
}
