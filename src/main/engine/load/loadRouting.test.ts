import { describe, expect, it } from 'vitest'
import { col } from './testColumns'
import { createLoadRouting, LoadDataAltersValue, tidbLoadDataAltersDate, tidbLoadDataCheck } from './loadRouting'
import { ByteSink, compileLoadDataEncoder } from './rowEncoders'

const alters = (text: string) => tidbLoadDataAltersDate(Buffer.from(`x${text}y`, 'latin1'), 1, text.length + 1)

describe('tidbLoadDataAltersDate', () => {
  // What TiDB's LOAD DATA stored as 0000-00-00 (warning 1292) and what it kept, measured on TiDB v8.4.
  it.each([
    '2020-00-15',
    '2020-05-00',
    '2020-00-00',
    '0000-00-15',
    '0000-05-00',
    '2020-00-15 10:00:00',
    '2020-05-00 10:00:00.500000',
    '2020-02-30',
    '2020-04-31',
    '2021-02-29',
    '1900-02-29',
    '0001-02-29 00:00:00',
  ])('%s is changed', (text) => expect(alters(text)).toBe(true))

  it.each([
    '0000-00-00',
    '0000-00-00 00:00:00',
    '0000-00-00 10:00:00.000001',
    '0000-01-01',
    '0000-02-29',
    '2000-02-29',
    '2020-02-29 23:59:59.999999',
    '2020-04-30',
    '9999-12-31 23:59:59',
    '1000-01-01',
  ])('%s is kept', (text) => expect(alters(text)).toBe(false))
})

describe('tidbLoadDataCheck in the LOAD DATA encoder', () => {
  /** A text-protocol row packet of length-encoded cells (null: NULL). */
  const packet = (cells: (string | null)[]) =>
    Buffer.concat(
      cells.map((c) => (c === null ? Buffer.from([0xfb]) : Buffer.concat([Buffer.from([c.length]), Buffer.from(c)]))),
    )
  const columns = [col('id', 'int'), col('d', 'date'), col('t', 'time'), col('v', 'varchar')]
  const encode = compileLoadDataEncoder(columns, tidbLoadDataCheck)

  it('passes ordinary dates, NULL and other columns through unchanged', () => {
    const sink = new ByteSink(64)
    const row = packet(['1', '2020-05-15', '-838:59:59', '2020-00-15'])
    encode(row, 0, row.length, sink)
    const nulls = packet(['2', null, null, null])
    encode(nulls, 0, nulls.length, sink)
    expect(sink.take().toString('latin1')).toBe('1\t2020-05-15\t-838:59:59\t\xff2020-00-15\xff\n2\tNULL\tNULL\tNULL\n')
  })

  it('stops at a date TiDB would change, naming the column and value', () => {
    const row = packet(['1', '2020-00-15', '00:00:00', 'x'])
    expect(() => encode(row, 0, row.length, new ByteSink(64))).toThrow(LoadDataAltersValue)
    expect(() => encode(row, 0, row.length, new ByteSink(64))).toThrow("d = '2020-00-15'")
  })
})

describe('createLoadRouting', () => {
  it('routes a table once and logs it once', () => {
    const logs: string[] = []
    const routing = createLoadRouting((_level, message, code) => logs.push(`${code} ${message}`))
    const table = { schema: 'shop', name: 'orders' }
    expect(routing.isLogical(table)).toBe(false)
    routing.routeLogical(table, new LoadDataAltersValue('placed', '2020-00-15'))
    routing.routeLogical({ ...table }, new LoadDataAltersValue('placed', '2020-05-00'))
    expect(routing.isLogical({ schema: 'shop', name: 'orders' })).toBe(true)
    expect(routing.isLogical({ schema: 'shop', name: 'items' })).toBe(false)
    expect(logs).toEqual([expect.stringMatching(/^LOAD_ROUTED_LOGICAL shop\.orders holds placed = '2020-00-15'/)])
  })
})
