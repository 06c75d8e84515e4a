import type { TableRef } from './tableRef'

/** Backtick-quotes an identifier, doubling embedded backticks, so any name (reserved word, dot, space) is safe. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error('an identifier cannot be empty')
  return '`' + name.replaceAll('`', '``') + '`'
}

export function quoteTable(table: TableRef): string {
  return `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`
}
