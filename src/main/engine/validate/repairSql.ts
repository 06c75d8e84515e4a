/**
 * The repair SQL of a validation: REPLACE for rows missing or different on the target (values read from the
 * source), DELETE for rows only the target has. Written to a file, statement by statement as differences are
 * found, for a person to review and run; Cutover never runs it.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { quoteIdentifier, quoteTable } from '../vocabulary/identifierQuoting'
import { writerSqlMode } from '../load/writerSession'
import { sqlLiteral } from './cellValues'
import type { SideTable } from './rangeReader'

export interface RepairSink {
  /** REPLACE statements for source rows read with every digest column's `read` expression. */
  replace(source: SideTable, rows: (Buffer | null)[][]): void
  /** DELETE statements for target rows, by their key cells. */
  delete(target: SideTable, keys: (Buffer | null)[][]): void
  /** The number of statements written so far. */
  readonly statements: number
  close(): void
}

export function replaceStatement(source: SideTable, row: (Buffer | null)[]): string {
  const columns = source.columns.map((c) => quoteIdentifier(c.name)).join(', ')
  const values = source.columns.map((c, i) => sqlLiteral(row[i] ?? null, c.kind)).join(', ')
  return `REPLACE INTO ${quoteTable(source.table)} (${columns}) VALUES (${values});`
}

export function deleteStatement(target: SideTable, key: (Buffer | null)[]): string {
  const match = target.keyColumns
    .map((c, i) => `${quoteIdentifier(c.name)} = ${sqlLiteral(key[i] ?? null, c.kind)}`)
    .join(' AND ')
  return `DELETE FROM ${quoteTable(target.table)} WHERE ${match};`
}

/** A sink that opens `path` at its first statement (no file when there is nothing to repair). */
export function createRepairFile(path: string, header: string): RepairSink & { readonly written: boolean } {
  let fd: number | null = null
  let statements = 0
  let opened = false
  const write = (line: string) => {
    if (fd === null) {
      mkdirSync(dirname(path), { recursive: true })
      fd = openSync(path, 'w', 0o600)
      opened = true
      writeSync(
        fd,
        `${header
          .split('\n')
          .map((l) => `-- ${l}`)
          .join('\n')}\n` +
          // The copy's writer settings (load/writerSession.ts): TIMESTAMP values in UTC, zero and invalid dates as
          // the source has them, and no cascade from REPLACE, which is a DELETE then an INSERT.
          "SET SESSION time_zone = '+00:00';\n" +
          `SET SESSION sql_mode = '${writerSqlMode}';\n` +
          'SET SESSION foreign_key_checks = 0;\n',
      )
    }
    writeSync(fd, `${line}\n`)
    statements++
  }
  return {
    replace(source, rows) {
      for (const row of rows) write(replaceStatement(source, row))
    },
    delete(target, keys) {
      for (const key of keys) write(deleteStatement(target, key))
    },
    get statements() {
      return statements
    },
    get written() {
      return opened
    },
    close() {
      if (fd !== null) closeSync(fd)
      fd = null
    },
  }
}
