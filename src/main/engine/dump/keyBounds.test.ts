import { describe, expect, it } from 'vitest'
import { format } from 'mysql2'
import { bindKeyValues, decodeKeyValues, encodeKeyValues } from './keyBounds'
import type { KeyInfo } from './types'

describe('key bounds', () => {
  it('round-trips key values through the store JSON, Buffers included', () => {
    const values = ['18446744073709551615', 42, 'héllo', Buffer.from([0, 255, 10]), '2024-02-29 23:59:59.999999']
    const stored = JSON.parse(JSON.stringify(encodeKeyValues(values))) as unknown[]
    expect(decodeKeyValues(stored)).toEqual(values)
    expect(decodeKeyValues(null)).toBeNull()
  })

  it('binds integer and decimal keys unquoted, text keys quoted, binary keys as hex', () => {
    const key: KeyInfo = {
      kind: 'primary',
      columns: [
        { name: 'a', type: 'uint' },
        { name: 'b', type: 'decimal' },
        { name: 'c', type: 'string' },
        { name: 'd', type: 'binary' },
      ],
    }
    const bound = bindKeyValues(['18446744073709551615', '-12.500000', "o'k", Buffer.from([1, 2])], key)!
    expect(format('? ? ? ?', bound)).toBe("18446744073709551615 -12.500000 'o\\'k' X'0102'")
    expect(() => bindKeyValues(['1; DROP TABLE t'], { kind: 'primary', columns: [{ name: 'a', type: 'int' }] })).toThrow(/not a int literal/)
  })
})
