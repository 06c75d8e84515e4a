/**
 * Key values as they travel between the reader, the job store and the chunk query.
 * - In the store they are JSON: Buffers as `{ "$hex": "…" }`, everything else as itself.
 * - In a query, integer and decimal keys are bound as unquoted numeric literals: a quoted string compared
 *   with a BIGINT or DECIMAL column is compared as a double, which misplaces chunk edges beyond 2^53.
 */
import type { KeyInfo, KeyValue } from './types'

export function encodeKeyValues(values: KeyValue[] | null): unknown[] | null {
  if (values === null) return null
  return values.map((v) => (Buffer.isBuffer(v) ? { $hex: v.toString('hex') } : typeof v === 'bigint' ? String(v) : v))
}

export function decodeKeyValues(values: unknown[] | null): KeyValue[] | null {
  if (values === null) return null
  return values.map((v) => {
    if (v !== null && typeof v === 'object' && '$hex' in v) return Buffer.from(String((v as { $hex: string }).$hex), 'hex')
    return v as KeyValue
  })
}

/** An already-validated SQL literal; mysql2's formatter inserts `toSqlString()` as is. */
export interface SqlLiteral {
  toSqlString(): string
}

const integerText = /^-?\d+$/
const decimalText = /^-?\d+(\.\d+)?$/

export function bindKeyValues(values: KeyValue[] | null, key: KeyInfo): (KeyValue | SqlLiteral)[] | null {
  if (values === null) return null
  return values.map((value, i) => {
    const type = key.columns[i]?.type
    if (value === null || Buffer.isBuffer(value)) return value
    if (type === 'int' || type === 'uint' || type === 'decimal') {
      const text = String(value)
      if (!(type === 'decimal' ? decimalText : integerText).test(text)) {
        throw new Error(`key value ${JSON.stringify(text)} is not a ${type} literal`)
      }
      return { toSqlString: () => text }
    }
    return value
  })
}
