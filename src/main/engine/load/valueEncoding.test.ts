import { describe, expect, it } from 'vitest'
import { col } from './testColumns'
import {
  buildLoadDataStatement,
  encodeLoadDataField,
  encodeRow,
  encodeSqlLiteral,
  type CellValue,
} from './valueEncoding'

const blob = col('b', 'longblob')
const text = col('t', 'varchar', { charset: 'utf8mb4', collation: 'utf8mb4_bin' })

/**
 * Reference reader for `FIELDS TERMINATED BY '\t' ENCLOSED BY 0xFF ESCAPED BY '' LINES TERMINATED BY '\n'`, written
 * from the MySQL manual's rules (and sql_load.cc's READ_INFO): a field that starts with the quote runs to a quote
 * followed by a tab, a newline or the end; inside it a doubled quote is one quote and a quote followed by anything
 * else stands for itself. Any other field runs to the next tab or newline, and the bare word NULL is NULL.
 */
function readLoadData(stream: Buffer): (Buffer | null)[][] {
  const quote = 0xff
  const rows: (Buffer | null)[][] = []
  let row: (Buffer | null)[] = []
  let i = 0
  while (i < stream.length) {
    const field: number[] = []
    let enclosed = false
    if (stream[i] === quote) {
      enclosed = true
      for (i += 1; ; i++) {
        if (i >= stream.length) throw new Error('stream ends inside a quoted field')
        const b = stream[i]!
        if (b !== quote) field.push(b)
        else if (stream[i + 1] === quote) field.push(stream[++i]!)
        else if (i + 1 === stream.length || stream[i + 1] === 0x09 || stream[i + 1] === 0x0a) {
          i += 1
          break
        } else field.push(b)
      }
    } else {
      while (i < stream.length && stream[i] !== 0x09 && stream[i] !== 0x0a) field.push(stream[i++]!)
    }
    const value = Buffer.from(field)
    row.push(!enclosed && value.toString('latin1') === 'NULL' ? null : value)
    if (i >= stream.length) throw new Error('stream does not end with a newline')
    if (stream[i++] === 0x0a) {
      rows.push(row)
      row = []
    }
  }
  return rows
}

function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('encodeLoadDataField', () => {
  it('round-trips every single byte value and all 256 together', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const values: CellValue[] = [
      ...Array.from({ length: 256 }, (_, i) => Buffer.from([i])),
      all,
      Buffer.from(all).reverse(),
    ]
    const columns = values.map(() => blob)
    const decoded = readLoadData(encodeRow(values, columns))
    expect(decoded).toHaveLength(1)
    expect(decoded[0]).toEqual(values)
  })

  it('round-trips random binary rows with terminators and backslashes', () => {
    const rand = prng(2024)
    const special = [0xff, 0x09, 0x0a, 0x5c, 0x00, 0x4e, 0x55, 0x4c]
    const rows: CellValue[][] = []
    const stream: Buffer[] = []
    for (let r = 0; r < 200; r++) {
      const row = Array.from({ length: 4 }, (): CellValue => {
        if (rand() < 0.1) return null
        const len = Math.floor(rand() * 12)
        return Buffer.from(
          Array.from({ length: len }, () =>
            rand() < 0.5 ? special[Math.floor(rand() * special.length)]! : Math.floor(rand() * 256),
          ),
        )
      })
      rows.push(row)
      stream.push(encodeRow(row, [blob, blob, blob, blob]))
    }
    expect(readLoadData(Buffer.concat(stream))).toEqual(rows)
  })

  it('keeps NULL, the empty string, the text \\N and the word NULL apart', () => {
    const values: CellValue[] = [null, '', '\\N', 'NULL', Buffer.alloc(0), Buffer.from('\\N')]
    const line = encodeRow(
      values,
      values.map(() => text),
    )
    expect(line.toString('latin1')).toBe('NULL\t\xff\xff\t\xff\\N\xff\t\xffNULL\xff\t\xff\xff\t\xff\\N\xff\n')
    expect(readLoadData(line)[0]).toEqual([
      null,
      Buffer.alloc(0),
      Buffer.from('\\N'),
      Buffer.from('NULL'),
      Buffer.alloc(0),
      Buffer.from('\\N'),
    ])
  })

  it('encloses text and binary values, doubling only the quote byte 0xFF', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const enclosed = encodeLoadDataField(all, blob)
    expect(enclosed.length).toBe(256 + 1 + 2)
    expect(enclosed.equals(Buffer.concat([Buffer.from([0xff]), all, Buffer.from([0xff, 0xff])]))).toBe(true)
    expect(encodeLoadDataField(Buffer.from([0xff, 0x09, 0xff]), blob).toString('hex')).toBe('ffffff09ffffff')
  })

  it('passes a bare value through without copying and refuses a date/time that is not one', () => {
    const value = Buffer.from('2024-02-29 23:59:59.999999', 'latin1')
    expect(encodeLoadDataField(value, col('d', 'datetime'))).toBe(value)
    expect(() => encodeLoadDataField(Buffer.from('1\t2'), col('d', 'datetime'))).toThrow(/not a date\/time/)
  })

  it('writes strings as UTF-8 and numbers as ASCII text', () => {
    expect(encodeLoadDataField('née 😀\t', text).subarray(1, -1).toString('utf8')).toBe('née 😀\t')
    const bigint = col('n', 'bigint', { columnType: 'bigint(20) unsigned' })
    expect(encodeLoadDataField('18446744073709551615', bigint).toString()).toBe('18446744073709551615')
    expect(encodeLoadDataField(18446744073709551615n, bigint).toString()).toBe('18446744073709551615')
    expect(encodeLoadDataField(-42, bigint).toString()).toBe('-42')
    expect(() => encodeLoadDataField(2 ** 60, bigint)).toThrow(
      expect.objectContaining({ code: 'LOAD_VALUE_UNSUPPORTED' }),
    )
    const decimal = col('d', 'decimal', { columnType: 'decimal(65,30)' })
    const wide = '-12345678901234567890123456789012345.123456789012345678901234567890'
    expect(encodeLoadDataField(wide, decimal).toString()).toBe(wide)
    expect(() => encodeLoadDataField(0.1, decimal)).toThrow(/lost digits/)
    expect(() => encodeLoadDataField('1; DROP TABLE x', decimal)).toThrow(/not a decimal/)
  })

  it('writes floats as shortest round-trip text and keeps -0', () => {
    const double = col('f', 'double')
    expect(encodeLoadDataField(-0, double).toString()).toBe('-0')
    expect(encodeLoadDataField(0.1 + 0.2, double).toString()).toBe('0.30000000000000004')
    expect(encodeLoadDataField(5e-324, double).toString()).toBe('5e-324')
    expect(encodeLoadDataField('0.10000000149011612', col('f', 'float')).toString()).toBe('0.10000000149011612')
    expect(() => encodeLoadDataField(Number.NaN, double)).toThrow(/cannot be stored/)
  })

  it('writes BIT as its unsigned decimal value', () => {
    const bit = col('f', 'bit', { columnType: 'bit(64)' })
    expect(encodeLoadDataField(Buffer.from([0x02, 0xaa]), bit).toString()).toBe('682')
    expect(encodeLoadDataField(Buffer.alloc(8, 0xff), bit).toString()).toBe('18446744073709551615')
    expect(encodeLoadDataField(Buffer.from([0]), bit).toString()).toBe('0')
    expect(() => encodeLoadDataField(-1, bit)).toThrow(expect.objectContaining({ code: 'LOAD_VALUE_UNSUPPORTED' }))
  })

  it('refuses what it cannot write exactly', () => {
    const latin1 = col('l', 'varchar', { charset: 'latin1' })
    expect(encodeLoadDataField('plain ascii', latin1).subarray(1, -1).toString('latin1')).toBe('plain ascii')
    expect(() => encodeLoadDataField('café', latin1)).toThrow(/read as bytes/)
    expect(() => encodeLoadDataField('\ud800', text)).toThrow(/well-formed/)
    expect(() => encodeLoadDataField({} as unknown as CellValue, col('j', 'json'))).toThrow(/objects/)
  })
})

describe('encodeRow', () => {
  it('refuses generated columns and a wrong number of values', () => {
    expect(() => encodeRow([1], [col('g', 'int', { generated: 'stored' })])).toThrow(/generated/)
    expect(() => encodeRow([1, 2], [blob])).toThrow(/2 values/)
  })
})

describe('buildLoadDataStatement', () => {
  it('skips generated columns and routes BIT and JSON through variables', () => {
    const columns = [
      col('id', 'int'),
      col('v', 'int', { generated: 'virtual' }),
      col('fl`ags', 'bit'),
      col('s', 'int', { generated: 'stored' }),
      col('doc', 'json'),
      text,
    ]
    expect(buildLoadDataStatement({ schema: 'shop', name: 'orders' }, columns)).toBe(
      "LOAD DATA LOCAL INFILE 'cutover-stream.tsv' INTO TABLE `shop`.`orders` CHARACTER SET binary" +
        " FIELDS TERMINATED BY '\\t' ENCLOSED BY 0xff ESCAPED BY '' LINES STARTING BY '' TERMINATED BY '\\n'" +
        ' (`id`, @c2, @c3, `t`) SET `fl``ags` = CAST(@c2 AS UNSIGNED), `doc` = CONVERT(@c3 USING utf8mb4)',
    )
  })

  it('can replace duplicates and sanitises the file name', () => {
    const sql = buildLoadDataStatement({ schema: 's', name: 't' }, [text], {
      duplicates: 'replace',
      fileName: "a'b.tsv",
    })
    expect(sql).toMatch(/^LOAD DATA LOCAL INFILE 'a_b.tsv' REPLACE INTO TABLE `s`.`t` /)
  })
})

/**
 * Reference reader for a MySQL quoted string literal (default sql_mode): `''` is a quote, and after a backslash
 * `0 ' " b n r t Z \` have their meanings, `%` and `_` keep the backslash, anything else stands for itself.
 */
function readSqlString(literal: string): string {
  const m = /^_utf8mb4'([\s\S]*)'$/.exec(literal)
  if (!m) throw new Error(`not a _utf8mb4 literal: ${literal}`)
  const body = m[1]!
  const named: Record<string, string> = {
    '0': '\0',
    "'": "'",
    '"': '"',
    b: '\b',
    n: '\n',
    r: '\r',
    t: '\t',
    Z: '\x1a',
    '\\': '\\',
  }
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (c === '\\') {
      const n = body[++i]!
      out += n === '%' || n === '_' ? `\\${n}` : (named[n] ?? n)
    } else if (c === "'") {
      if (body[++i] !== "'") throw new Error(`unescaped quote in ${literal}`)
      out += "'"
    } else {
      out += c
    }
  }
  return out
}

describe('encodeSqlLiteral', () => {
  it('round-trips every code point below 256 and tricky text', () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))
    for (const value of [all, "it's", '\\', "\\'", '\\%_', 'tab\there', '😀 née', '', '\\N']) {
      const literal = encodeSqlLiteral(value, text)
      expect(readSqlString(literal)).toBe(value)
      // eslint-disable-next-line no-control-regex -- the control bytes are the point of the assertion
      expect(literal).not.toMatch(/[\0\n\r\x1a]/) // control bytes are escaped, so the statement stays one clean line
    }
  })

  it('writes bytes as hex, and JSON bytes converted to utf8mb4', () => {
    expect(encodeSqlLiteral(Buffer.from([0, 0x27, 0xff]), blob)).toBe("X'0027ff'")
    expect(encodeSqlLiteral(Buffer.alloc(0), blob)).toBe("X''")
    expect(encodeSqlLiteral(Buffer.from('é', 'latin1'), col('l', 'char', { charset: 'latin1' }))).toBe("X'e9'")
    expect(encodeSqlLiteral(Buffer.from('{"a":1}'), col('j', 'json'))).toBe(`CONVERT(X'7b2261223a317d' USING utf8mb4)`)
    expect(encodeSqlLiteral(`{"a":"'"}`, col('j', 'json'))).toBe(`_utf8mb4'{"a":"\\'"}'`)
  })

  it('writes numbers exactly, never through a JS double', () => {
    const bigint = col('n', 'bigint')
    expect(encodeSqlLiteral('18446744073709551615', bigint)).toBe('18446744073709551615')
    expect(encodeSqlLiteral(-9223372036854775808n, bigint)).toBe('-9223372036854775808')
    expect(encodeSqlLiteral(null, bigint)).toBe('NULL')
    expect(
      encodeSqlLiteral('99999999999999999999999999999999999.999999999999999999999999999999', col('d', 'decimal')),
    ).toBe('99999999999999999999999999999999999.999999999999999999999999999999')
    expect(() => encodeSqlLiteral("1'", bigint)).toThrow(/not an integer/)
  })

  it('makes floats DOUBLE literals so -0 and tiny values survive', () => {
    const double = col('f', 'double')
    expect(encodeSqlLiteral(-0, double)).toBe('-0e0')
    expect(encodeSqlLiteral('-0', double)).toBe('-0e0')
    expect(encodeSqlLiteral(0.1, double)).toBe('0.1e0')
    expect(encodeSqlLiteral(5e-324, double)).toBe('5e-324')
    expect(encodeSqlLiteral(1.7976931348623157e308, double)).toBe('1.7976931348623157e+308')
  })

  it('writes BIT as a bit-value literal and dates as quoted text', () => {
    const bit = col('f', 'bit', { columnType: 'bit(10)' })
    expect(encodeSqlLiteral(Buffer.from([0x02, 0xaa]), bit)).toBe("b'1010101010'")
    expect(encodeSqlLiteral(Buffer.from([0]), bit)).toBe("b'0'")
    const datetime = col('d', 'datetime', { columnType: 'datetime(6)' })
    expect(encodeSqlLiteral('0000-00-00 00:00:00.000000', datetime)).toBe("'0000-00-00 00:00:00.000000'")
    expect(encodeSqlLiteral(Buffer.from('-838:59:59.000000'), col('t', 'time'))).toBe("'-838:59:59.000000'")
    expect(() => encodeSqlLiteral("2024-01-01' OR 1", datetime)).toThrow(/date\/time/)
  })
})
