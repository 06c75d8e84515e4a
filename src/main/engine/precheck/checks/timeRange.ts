import type { FixAction } from '../../../../shared/domain/precheck'
import { copiesExistingData, failed, listSome, pass, plural, quoteIdentifier, warning, type CheckContext, type PrecheckCheck } from '../check'
import { qualifiedName, type ColumnFacts, type TableFacts } from '../precheckFacts'

/**
 * MariaDB's TIME(n) goes to ±838:59:59.999999; TiDB's (like MySQL's) stops at ±838:59:59.000000. TiDB refuses
 * a value beyond that in strict mode (error 1292) and, in the job's non-strict session, stores ±838:59:59.000000
 * with warning 1292: the fraction is lost without an error. Only fractional TIME columns can hold such values.
 */
const UPPER = "'838:59:59'"
const LOWER = "'-838:59:59'"
const outside = (column: string) => `(${column} > ${UPPER} OR ${column} < ${LOWER})`
/** Tables larger than this (estimated rows) are not read in full without an index: the dump reads them anyway. */
const SCAN_ROW_LIMIT = 2_000_000
const STATEMENT_SECONDS = 5
/** All queries of the check together, well inside the runner's 30 s per check. */
const BUDGET_MS = 20_000

function fractionalTimeColumns(table: TableFacts): ColumnFacts[] {
  return table.columns.filter((c) => c.dataType === 'time' && Number(/^time\((\d)\)/.exec(c.columnType)?.[1] ?? 0) > 0)
}

/** The BTREE index the column leads, if any: a range read on it touches only the out-of-range rows. */
function leadingIndex(table: TableFacts, column: ColumnFacts): string | null {
  return table.indexes.find((i) => i.type === 'BTREE' && i.parts[0]?.column === column.name)?.name ?? null
}

interface Finding {
  where: string
  table: TableFacts
  column: ColumnFacts
  rows: number
}

interface TimeScanPlan {
  table: TableFacts
  /** Columns read through an index they lead, one query each. */
  indexed: { column: ColumnFacts; index: string }[]
  /** Columns read together by one scan of the table, or left unread when the table is too large. */
  scanned: ColumnFacts[]
}

function planTimeScan(tables: TableFacts[]): TimeScanPlan[] {
  const plans: TimeScanPlan[] = []
  for (const table of tables) {
    if (table.kind !== 'table') continue
    const columns = fractionalTimeColumns(table)
    if (columns.length === 0) continue
    const plan: TimeScanPlan = { table, indexed: [], scanned: [] }
    for (const column of columns) {
      const index = leadingIndex(table, column)
      if (index !== null) plan.indexed.push({ column, index })
      else plan.scanned.push(column)
    }
    plans.push(plan)
  }
  return plans
}

const tableSql = (t: TableFacts) => `${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)}`
const countQuery = (t: TableFacts, c: ColumnFacts) => `SELECT COUNT(*) FROM ${tableSql(t)} WHERE ${outside(quoteIdentifier(c.name))};`

/** MariaDB's own statement limit, so a slow scan ends on the server too, not only in the runner. */
const bounded = (sql: string) => `SET STATEMENT max_statement_time = ${STATEMENT_SECONDS} FOR ${sql}`

async function runPlan(plans: TimeScanPlan[], ctx: CheckContext) {
  const found: Finding[] = []
  const unread: { where: string; why: string; table: TableFacts; column: ColumnFacts }[] = []
  let viaIndex = 0
  let scannedTables = 0
  let scannedRows = 0
  const deadline = Date.now() + BUDGET_MS
  const over = () => ctx.signal.aborted || Date.now() > deadline
  const where = (t: TableFacts, c: ColumnFacts) => `${qualifiedName(t)}.${c.name}`
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))

  for (const { table, indexed, scanned } of plans) {
    for (const { column, index } of indexed) {
      if (over()) {
        unread.push({ where: where(table, column), why: 'the precheck\'s time budget ran out', table, column })
        continue
      }
      try {
        const [row] = await ctx.source<{ n: unknown }>(
          bounded(`SELECT COUNT(*) AS n FROM ${tableSql(table)} FORCE INDEX (${quoteIdentifier(index)}) WHERE ${outside(quoteIdentifier(column.name))}`),
        )
        viaIndex++
        const n = Number(row?.n ?? 0)
        if (n > 0) found.push({ where: where(table, column), table, column, rows: n })
      } catch (error) {
        unread.push({ where: where(table, column), why: reason(error), table, column })
      }
    }
    if (scanned.length === 0) continue
    const skip = (why: string) => unread.push(...scanned.map((column) => ({ where: where(table, column), why, table, column })))
    if (table.rows > SCAN_ROW_LIMIT) {
      skip(`about ${table.rows.toLocaleString('en-US')} rows and no index on the column, more than the precheck reads (${SCAN_ROW_LIMIT.toLocaleString('en-US')})`)
      continue
    }
    if (over()) {
      skip('the precheck\'s time budget ran out')
      continue
    }
    try {
      // One pass over the table for all of its unindexed fractional TIME columns.
      const sums = scanned.map((c, i) => `SUM(${outside(quoteIdentifier(c.name))}) AS c${i}`).join(', ')
      const [row] = await ctx.source<Record<string, unknown>>(bounded(`SELECT COUNT(*) AS total, ${sums} FROM ${tableSql(table)}`))
      scannedTables++
      scannedRows += Number(row?.['total'] ?? 0)
      scanned.forEach((column, i) => {
        const n = Number(row?.[`c${i}`] ?? 0)
        if (n > 0) found.push({ where: where(table, column), table, column, rows: n })
      })
    } catch (error) {
      skip(/max_statement_time/i.test(reason(error)) ? `the scan took more than ${STATEMENT_SECONDS} s` : reason(error))
    }
  }
  return { found, unread, viaIndex, scannedTables, scannedRows }
}

export const timeRangeCheck: PrecheckCheck = {
  id: 'time_range',
  title: "TIME values fit TiDB's range",
  // MySQL's own TIME already stops at 838:59:59.000000; only MariaDB stores the fraction beyond it.
  appliesTo: (_config, servers) => servers.source.flavor === 'mariadb' && servers.target.flavor === 'tidb',
  async run(facts, ctx) {
    const plans = planTimeScan(facts.tables)
    const columns = plans.reduce((n, p) => n + p.indexed.length + p.scanned.length, 0)
    if (columns === 0) return pass('No TIME columns with fractional seconds.')
    const { found, unread, viaIndex, scannedTables, scannedRows } = await runPlan(plans, ctx)
    const read = [
      viaIndex > 0 ? `${plural(viaIndex, 'column')} through an index` : '',
      scannedTables > 0 ? `${plural(scannedTables, 'table')} read in full (${plural(scannedRows, 'row')})` : '',
    ].filter(Boolean)
    const scannedText = `Checked ${plural(columns, 'fractional TIME column')}${read.length > 0 ? `: ${read.join(', ')}` : ''}.`
    const unreadText =
      unread.length > 0 ? ` Not checked: ${listSome(unread.map((u) => `${u.where} (${u.why})`), 5)}.` : ''
    if (found.length > 0) {
      const message =
        `TIME values beyond TiDB's range of -838:59:59 to 838:59:59 (MariaDB allows ±838:59:59.999999): ${listSome(found.map((f) => `${f.where} (${plural(f.rows, 'row')})`))}. ` +
        `TiDB stores them as ±838:59:59.000000 with warning 1292 (error 1292 in strict mode): the fraction is lost and the copy differs from the source.` +
        (copiesExistingData(facts.config) ? '' : ' This job copies no existing rows, but rows like these written from now on replicate the same way.') +
        ` ${scannedText}${unreadText}`
      const fix = [
        ...found.slice(0, 10).map(
          (f) =>
            `UPDATE ${tableSql(f.table)} SET ${quoteIdentifier(f.column.name)} = IF(${quoteIdentifier(f.column.name)} > 0, ${UPPER}, ${LOWER}) WHERE ${outside(quoteIdentifier(f.column.name))};  -- on the source: the value TiDB would store`,
        ),
      ].join('\n')
      const actions: FixAction[] = [{ kind: 'setting', setting: 'objects', join: 'or', note: 'leave those tables out' }]
      return copiesExistingData(facts.config) ? failed(message, fix, actions) : warning(message, fix, actions)
    }
    if (unread.length > 0) {
      return warning(
        `No TIME value beyond ±838:59:59 where the precheck looked, but not every column was checked. ${scannedText}${unreadText} TiDB would store such values as ±838:59:59.000000 (warning 1292), losing the fraction.`,
        `Run on the source (a full scan without an index):\n${unread.slice(0, 10).map((u) => countQuery(u.table, u.column)).join('\n')}`,
      )
    }
    return pass(`No TIME value beyond ±838:59:59, the end of TiDB's range. ${scannedText}`)
  },
}
