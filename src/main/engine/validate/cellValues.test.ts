import { describe, expect, it } from 'vitest'
import { normalCell, normalJson, sqlLiteral } from './cellValues'

describe('normalJson', () => {
  it('makes MariaDB text and TiDB normal form of one document equal', () => {
    const mariadb = '{"a": 1, "big": 12345678901234567890, "s": "😀", "f": 0.1, "n": null}'
    const tidb = '{"a": 1, "big": 12345678901234567890, "f": 0.1, "n": null, "s": "\\ud83d\\ude00"}'
    expect(normalJson(mariadb)).toBe(normalJson(tidb))
  })

  it('keeps integers beyond 2^53 exact and numbers with a fraction apart from integers', () => {
    expect(normalJson('[9007199254740993]')).not.toBe(normalJson('[9007199254740992]'))
    expect(normalJson('[1]')).not.toBe(normalJson('[1.0]'))
    expect(normalJson('[1.0]')).toBe(normalJson('[1e0]'))
  })

  it('tells apart documents that differ anywhere', () => {
    expect(normalJson('{"a": {"b": [1, 2]}}')).not.toBe(normalJson('{"a": {"b": [2, 1]}}'))
    expect(normalJson('"just a string"')).toBe('"just a string"')
  })

  it('refuses what is not JSON', () => {
    expect(() => normalJson('{"a": }')).toThrow(/not a JSON document/)
    expect(() => normalJson('[1] x')).toThrow(/not a JSON document/)
  })
})

describe('normalCell', () => {
  it('compares doubles as numbers, whatever the rendering', () => {
    expect(normalCell(Buffer.from('1.7976931348623157e308'), 'float')).toBe(
      normalCell(Buffer.from('1.7976931348623157e+308'), 'float'),
    )
    expect(normalCell(Buffer.from('0.1'), 'float')).not.toBe(normalCell(Buffer.from('0.10000000149011612'), 'float'))
    expect(normalCell(null, 'float')).toBeNull()
  })
})

describe('sqlLiteral', () => {
  it('writes numbers bare and refuses anything else in a numeric column', () => {
    expect(sqlLiteral(Buffer.from('-9223372036854775808'), 'integer')).toBe('-9223372036854775808')
    expect(sqlLiteral(Buffer.from('5e-324'), 'float')).toBe('5e-324')
    expect(() => sqlLiteral(Buffer.from('1; DROP TABLE t'), 'decimal')).toThrow(/not a number/)
  })

  it('writes text as utf8mb4 bytes with an introducer, binary as a hex literal, NULL as NULL', () => {
    expect(sqlLiteral(Buffer.from("it's"), 'text')).toBe("_utf8mb4 X'69742773'")
    expect(sqlLiteral(Buffer.from([0, 255]), 'binary')).toBe("X'00ff'")
    expect(sqlLiteral(Buffer.alloc(0), 'binary')).toBe("X''")
    expect(sqlLiteral(null, 'text')).toBe('NULL')
  })

  it('quotes dates and times, keeping zero dates and fractions', () => {
    expect(sqlLiteral(Buffer.from('0000-00-00 00:00:00.000000'), 'temporal')).toBe("'0000-00-00 00:00:00.000000'")
    expect(sqlLiteral(Buffer.from('-838:59:59.000000'), 'temporal')).toBe("'-838:59:59.000000'")
  })
})
