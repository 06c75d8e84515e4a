import { describe, expect, it } from 'vitest'
import { identifierName, tokenize } from './sqlTokenizer'

describe('tokenize', () => {
  it('is lossless and keeps strings, quoted names and comments whole', () => {
    const sql = "select `a``b`, 'x\\'y''z', \"q\\\"\" /*! 50100 c */ -- d\n#e\n1--1 /* f */"
    const tokens = tokenize(sql)
    expect(tokens.map((t) => t.text).join('')).toBe(sql)
    expect(tokens.filter((t) => t.kind !== 'space').map((t) => [t.kind, t.text])).toEqual([
      ['word', 'select'],
      ['quoted', '`a``b`'],
      ['punct', ','],
      ['string', "'x\\'y''z'"],
      ['punct', ','],
      ['string', '"q\\""'],
      ['comment', '/*! 50100 c */'],
      ['comment', '-- d'],
      ['comment', '#e'],
      ['word', '1'],
      ['punct', '-'],
      ['punct', '-'],
      ['word', '1'],
      ['comment', '/* f */'],
    ])
    expect(identifierName(tokens[2]!)).toBe('a`b')
  })

  it('reports unterminated input with a typed error', () => {
    for (const sql of ["'abc", '`abc', '/* abc', "'abc\\'"]) {
      expect(() => tokenize(sql), sql).toThrow(expect.objectContaining({ code: 'SCHEMA_DDL_UNREADABLE' }))
    }
  })
})
