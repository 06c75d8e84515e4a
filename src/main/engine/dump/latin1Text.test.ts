import { describe, expect, it } from 'vitest'
import { latin1ToUtf8, needsUtf8Text, readForTarget } from './latin1Text'
import type { ColumnInfo } from '../vocabulary/columnCatalog'

describe('latin1ToUtf8', () => {
  it('keeps ASCII as the same buffer and maps latin1 (cp1252) bytes to their UTF-8 characters', () => {
    const ascii = Buffer.from('plain text')
    expect(latin1ToUtf8(ascii)).toBe(ascii)
    expect(latin1ToUtf8(Buffer.from([0xe9])).toString('hex')).toBe('c3a9')
    expect(latin1ToUtf8(Buffer.from([0x80])).toString()).toBe('€')
    expect(latin1ToUtf8(Buffer.from([0x9f, 0xff])).toString()).toBe('Ÿÿ')
    // The five bytes cp1252 leaves undefined keep their C1 control, as the servers' latin1 table has it.
    expect(latin1ToUtf8(Buffer.from([0x81, 0x8d, 0x8f, 0x90, 0x9d])).toString('hex')).toBe('c281c28dc28fc290c29d')
  })
})

describe('readForTarget', () => {
  const shape: { columns: ColumnInfo[] } = {
    columns: [
      {
        name: 'a',
        dataType: 'varchar',
        columnType: 'varchar(5)',
        nullable: true,
        generated: 'no' as const,
        charset: 'latin1',
        collation: 'latin1_swedish_ci',
      },
      {
        name: 'b',
        dataType: 'varchar',
        columnType: 'varchar(5)',
        nullable: true,
        generated: 'no' as const,
        charset: 'utf8mb4',
        collation: 'utf8mb4_bin',
      },
    ],
  }
  it('marks only latin1 columns, and only for a TiDB target', () => {
    expect(readForTarget(shape, false)).toBe(shape)
    expect(readForTarget(shape, true).columns.map((c) => c.readAsUtf8 ?? false)).toEqual([true, false])
    expect(needsUtf8Text({ charset: 'LATIN1' }, true)).toBe(true)
    expect(needsUtf8Text({ charset: null }, true)).toBe(false)
  })
})
