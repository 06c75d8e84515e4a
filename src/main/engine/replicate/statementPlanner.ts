/**
 * Turns one worker batch — row changes in binlog order that the worker commits in ONE target transaction — into
 * few multi-row statements, in two steps:
 *
 * 1. Compaction. Inside one transaction only a row's last image is visible to anyone, so a DELETE of a row the
 *    batch itself inserted cancels that INSERT, and a DELETE of a key that is already gone (deleted earlier in
 *    the batch, not inserted since) is dropped. A hot row updated 400 times in a batch (UPDATE = DELETE + INSERT)
 *    becomes one DELETE and one INSERT instead of 800 statements. An UPDATE or DELETE of a row without a usable
 *    key (matched by all its values) is a barrier: nothing is compacted across it.
 * 2. Grouping. What is left joins multi-row INSERT / REPLACE / DELETE … IN statements per table and column list,
 *    where that cannot reorder two operations on one key: an operation joins an open statement only if no later
 *    statement touched one of its keys.
 *
 * Keys are causality.ts's key strings: one per usable unique key of a row image.
 */
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import { createBatcher } from '../load/batchSizer'
import type { CellValue } from '../load/valueEncoding'
import type { RowChange } from './binlogReader'
import { keyColumnIndexes } from './causality'
import { cellLiteral } from './rowDecoding'
import { latin1ToUtf8, needsUtf8Text } from '../dump/latin1Text'
import type { UniqueKey } from './schemaTracker'

export interface PlannerInput {
  change: RowChange
  /** Causality keys of the old image (update, delete), first the key a DELETE would use. */
  beforeKeys: string[]
  /** Causality keys of the new image (insert, update). */
  afterKeys: string[]
  /** Safe mode: inserts become REPLACE. */
  safe: boolean
}

export type StatementKind = 'insert' | 'replace' | 'delete' | 'updateOne' | 'deleteOne'

export interface PlannedStatement {
  sql: string
  table: TableRef
  kind: StatementKind
  /** Row images the statement carries: new images (insert, replace), old images (delete), [old, new] (updateOne). */
  images: (readonly CellValue[])[]
  /** The key columns a DELETE matches on. */
  keyColumns?: string[]
}

interface Op {
  kind: StatementKind
  input: PlannerInput
  /** Keys the grouping step must keep in order. */
  keys: string[]
  live: boolean
  /** insert/replace: the keys of its row that a DELETE earlier in the batch had removed. */
  restores?: string[]
  key?: ChosenKey
}

interface ChosenKey {
  key: UniqueKey
  indexes: number[]
}

interface ColumnPlan {
  /** Indexes of the columns a statement writes (generated columns are computed by the target). */
  copied: number[]
  columnList: string
  signature: string
}
const columnPlans = new WeakMap<readonly ColumnInfo[], ColumnPlan>()
function columnPlan(columns: readonly ColumnInfo[]): ColumnPlan {
  let plan = columnPlans.get(columns)
  if (!plan) {
    const copied = columns.flatMap((c, i) => (c.generated === 'no' ? [i] : []))
    plan = {
      copied,
      columnList: copied.map((i) => quoteIdentifier(columns[i]!.name)).join(', '),
      signature: columns.map((c) => c.name).join(','),
    }
    columnPlans.set(columns, plan)
  }
  return plan
}

/** The first unique key whose columns are all present and non-NULL in the row: the one a DELETE matches on. */
function chooseKey(change: RowChange, row: readonly CellValue[]): ChosenKey | null {
  const all = keyColumnIndexes(change.table.uniqueKeys, change.columns)
  for (let k = 0; k < all.length; k++) {
    const indexes = all[k]!
    if (indexes.every((i) => i >= 0 && row[i] !== null && row[i] !== undefined))
      return { key: change.table.uniqueKeys[k]!, indexes }
  }
  return null
}

const noKeys: string[] = []

/** Step 1: the batch's operations in order, with the ones a later DELETE makes invisible marked dead. */
function compact(batch: readonly PlannerInput[]): Op[] {
  const ops: Op[] = []
  /** Key → the live insert whose row holds it. */
  const insertedBy = new Map<string, Op>()
  /** Keys whose row is known absent at this point of the batch. */
  const absent = new Set<string>()

  const addInsert = (input: PlannerInput, row: readonly CellValue[], orderKeys: string[]) => {
    const keyed = chooseKey(input.change, row) !== null
    const op: Op = {
      kind: input.safe && keyed ? 'replace' : 'insert',
      input,
      keys: orderKeys,
      live: true,
    }
    if (keyed) {
      const restores = absent.size === 0 ? noKeys : input.afterKeys.filter((k) => absent.has(k))
      for (const k of restores) absent.delete(k)
      op.restores = restores
      for (const k of input.afterKeys) insertedBy.set(k, op)
    }
    ops.push(op)
  }

  for (const input of batch) {
    const { change } = input
    if (change.kind === 'insert') {
      addInsert(input, change.after!, input.afterKeys)
      continue
    }
    const before = change.before!
    const key = chooseKey(change, before)
    if (!key) {
      // Matched by every value: it may touch a row any earlier operation wrote, so nothing compacts across it.
      ops.push({
        kind: change.kind === 'delete' ? 'deleteOne' : 'updateOne',
        input,
        keys: [...input.beforeKeys, ...input.afterKeys],
        live: true,
      })
      insertedBy.clear()
      absent.clear()
      continue
    }
    {
      // rowKeys lists usable keys in the table's order, so the chosen key's string comes first.
      const deleted = input.beforeKeys[0]!
      const inserted = insertedBy.get(deleted)
      if (inserted) {
        inserted.live = false
        for (const k of inserted.input.afterKeys) if (insertedBy.get(k) === inserted) insertedBy.delete(k)
        // The batch's own insert is gone; whether its row's keys were absent before it decides if a DELETE is
        // still due.
        for (const k of inserted.restores!) absent.add(k)
      }
      if (!absent.has(deleted)) {
        ops.push({ kind: 'delete', input, keys: input.beforeKeys, live: true, key })
        absent.add(deleted)
      }
    }
    if (change.kind === 'update') {
      const { beforeKeys, afterKeys } = input
      const same = beforeKeys.length === afterKeys.length && beforeKeys.every((k, i) => k === afterKeys[i])
      addInsert(input, change.after!, same ? afterKeys : [...afterKeys, ...beforeKeys])
    }
  }
  return ops
}

interface Slot {
  kind: StatementKind
  table: TableRef
  head: string
  tail: string
  batcher: ReturnType<typeof createBatcher<string>>
  statements: PlannedStatement[]
  images: (readonly CellValue[])[]
  keyColumns?: string[]
}

export function planStatements(
  batch: readonly PlannerInput[],
  maxAllowedPacket: number,
  /** `targetIsTidb`: latin1 text is sent as its UTF-8 form, which is how a TiDB target keeps it (latin1Text.ts). */
  options: { targetIsTidb?: boolean } = {},
): PlannedStatement[] {
  const literal: typeof cellLiteral = options.targetIsTidb
    ? (value, column) =>
        cellLiteral(Buffer.isBuffer(value) && needsUtf8Text(column, true) ? latin1ToUtf8(value) : value, column)
    : cellLiteral
  const slots: (Slot | PlannedStatement)[] = []
  const lastSlotOfKey = new Map<string, number>()
  const openSlot = new Map<string, number>()

  const touch = (keys: string[], index: number) => {
    for (const k of keys) lastSlotOfKey.set(k, index)
  }
  const conflictIndex = (keys: string[]) => {
    let m = -1
    for (const k of keys) {
      const at = lastSlotOfKey.get(k)
      if (at !== undefined && at > m) m = at
    }
    return m
  }

  const flush = (slot: Slot, rows: string[]) => {
    slot.statements.push({
      sql: slot.head + rows.join(',') + slot.tail,
      table: slot.table,
      kind: slot.kind,
      images: slot.images.splice(0, rows.length),
      ...(slot.keyColumns ? { keyColumns: slot.keyColumns } : {}),
    })
  }

  for (const op of compact(batch)) {
    if (!op.live) continue
    const { change } = op.input
    const plan = columnPlan(change.columns)
    const tupleOf = (row: readonly CellValue[]) => {
      let out = '('
      for (let j = 0; j < plan.copied.length; j++) {
        const i = plan.copied[j]!
        if (j > 0) out += ','
        out += literal(row[i] ?? null, change.columns[i]!)
      }
      return out + ')'
    }

    if (op.kind === 'deleteOne' || op.kind === 'updateOne') {
      const before = change.before!
      const where = plan.copied
        .map((i) => `${quoteIdentifier(change.columns[i]!.name)} <=> ${literal(before[i] ?? null, change.columns[i]!)}`)
        .join(' AND ')
      let sql: string
      if (op.kind === 'deleteOne') sql = `DELETE FROM ${quoteTable(change.ref)} WHERE ${where} LIMIT 1`
      else {
        const after = change.after!
        const sets = plan.copied
          .map((i) => `${quoteIdentifier(change.columns[i]!.name)} = ${literal(after[i] ?? null, change.columns[i]!)}`)
          .join(', ')
        sql = `UPDATE ${quoteTable(change.ref)} SET ${sets} WHERE ${where} LIMIT 1`
      }
      slots.push({
        sql,
        table: change.ref,
        kind: op.kind,
        images: op.kind === 'deleteOne' ? [before] : [before, change.after!],
      })
      touch(op.keys, slots.length - 1)
      continue
    }

    const isDelete = op.kind === 'delete'
    const keyColumns = isDelete ? op.key!.key.columns : undefined
    const id = `${op.kind}\u0000${change.ref.schema}\u0000${change.ref.name}\u0000${keyColumns?.join(',') ?? ''}\u0000${plan.signature}`
    const conflict = conflictIndex(op.keys)
    const at = openSlot.get(id)
    let index: number
    // Rows of a keyless table share one key, so its inserts would never batch; their order does not matter.
    const keylessInsert = op.kind === 'insert' && op.restores === undefined
    if (at !== undefined && (at > conflict || (at === conflict && keylessInsert))) index = at
    else {
      let head: string
      let tail = ''
      if (isDelete) {
        const cols = op.key!.indexes.map((i) => quoteIdentifier(change.columns[i]!.name))
        head = `DELETE FROM ${quoteTable(change.ref)} WHERE ${cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`} IN (`
        tail = ')'
      } else {
        head = `${op.kind === 'replace' ? 'REPLACE' : 'INSERT'} INTO ${quoteTable(change.ref)} (${plan.columnList}) VALUES `
      }
      slots.push({
        kind: op.kind,
        table: change.ref,
        head,
        tail,
        batcher: createBatcher<string>({
          maxAllowedPacket,
          statementOverheadBytes: Buffer.byteLength(head) + tail.length,
          table: change.ref,
          maxTransactionBytes: Number.MAX_SAFE_INTEGER,
        }),
        statements: [],
        images: [],
        ...(keyColumns ? { keyColumns } : {}),
      })
      index = slots.length - 1
      openSlot.set(id, index)
    }
    const slot = slots[index] as Slot
    let tuple: string
    if (isDelete) {
      const before = change.before!
      const { indexes } = op.key!
      tuple =
        indexes.length === 1
          ? literal(before[indexes[0]!] ?? null, change.columns[indexes[0]!]!)
          : `(${indexes.map((i) => literal(before[i] ?? null, change.columns[i]!)).join(',')})`
      slot.images.push(before)
    } else {
      tuple = tupleOf(change.after!)
      slot.images.push(change.after!)
    }
    for (const action of slot.batcher.push(tuple, Buffer.byteLength(tuple) + 1)) {
      if (action.type === 'statement') flush(slot, action.rows)
    }
    touch(op.keys, index)
  }

  const out: PlannedStatement[] = []
  for (const s of slots) {
    if ('sql' in s) {
      out.push(s)
      continue
    }
    for (const action of s.batcher.finish()) if (action.type === 'statement') flush(s, action.rows)
    out.push(...s.statements)
  }
  return out
}
