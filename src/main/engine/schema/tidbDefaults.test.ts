import { describe, expect, it } from 'vitest'
import { tidbDefaultVerdict, type DefaultColumn } from './tidbDefaults'

const col = (dataType: string, over: Partial<DefaultColumn> = {}): DefaultColumn => ({
  name: 'c',
  dataType,
  nullable: true,
  fsp: 0,
  ...over,
})
const kind = (c: DefaultColumn, sql: string) => tidbDefaultVerdict(c, sql).kind

describe('tidbDefaultVerdict: what TiDB takes (measured on tidb-server)', () => {
  it('keeps literals outside TEXT/BLOB/JSON, zero dates included', () => {
    expect(kind(col('int'), '-1')).toBe('keep')
    expect(kind(col('varchar'), "'x''y'")).toBe('keep')
    expect(kind(col('timestamp'), "'0000-00-00 00:00:00'")).toBe('keep')
    expect(kind(col('bit'), "b'0101'")).toBe('keep')
    expect(kind(col('text'), 'NULL')).toBe('keep')
  })

  it('keeps the expression defaults TiDB allows, with or without parentheses', () => {
    for (const sql of [
      'uuid()',
      '(uuid())',
      'rand()',
      'rand(1)',
      'nextval(`db`.`seq`)',
      "json_object('a', 1)",
      "date_format(now(), '%Y-%m-%d')",
      "str_to_date('1980-01-01', '%Y-%m-%d')",
      "replace(upper(uuid()), '-', '')",
      "upper(substring_index(user(), '@', 1))",
    ]) {
      expect(kind(col('varchar'), sql), sql).toBe('keep')
    }
    expect(kind(col('datetime', { fsp: 3 }), 'current_timestamp(3)')).toBe('keep')
    expect(kind(col('timestamp'), 'CURRENT_TIMESTAMP')).toBe('keep')
    expect(kind(col('date'), 'curdate()')).toBe('keep')
  })

  it('refuses what TiDB refuses, with its error code', () => {
    const refused = (c: DefaultColumn, sql: string) => {
      const v = tidbDefaultVerdict(c, sql)
      return v.kind === 'refuse' ? v.error : v.kind
    }
    expect(refused(col('int'), '(`a` + 1)')).toBe(1064)
    expect(refused(col('int'), '(1)')).toBe(1064)
    expect(refused(col('varchar'), "concat('a','b')")).toBe(3770)
    expect(refused(col('bigint'), 'uuid_short()')).toBe(3770)
    expect(refused(col('datetime', { fsp: 3 }), 'current_timestamp()')).toBe(1067)
    expect(refused(col('varchar'), 'current_timestamp()')).toBe(1067)
    expect(refused(col('text'), "'abc'")).toBe(1101)
    expect(refused(col('json'), "''")).toBe(1101)
  })

  it("tolerates TEXT/BLOB DEFAULT '' and respells '{}', '[]' and a DATE's CURRENT_TIMESTAMP", () => {
    expect(tidbDefaultVerdict(col('text'), "''")).toEqual({ kind: 'tolerated', warning: 1101, note: null })
    expect(tidbDefaultVerdict(col('blob', { nullable: false }), "''")).toMatchObject({
      kind: 'tolerated',
      note: expect.stringContaining('NOT NULL'),
    })
    expect(tidbDefaultVerdict(col('json'), "'{}'")).toMatchObject({ kind: 'rewrite', sql: '(json_object())' })
    expect(tidbDefaultVerdict(col('longtext'), "'[]'")).toMatchObject({ kind: 'rewrite', sql: '(json_array())' })
    expect(tidbDefaultVerdict(col('date'), 'current_timestamp()')).toMatchObject({
      kind: 'rewrite',
      sql: '(CURRENT_DATE)',
    })
  })
})
