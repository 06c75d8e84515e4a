import { describe, expect, it } from 'vitest'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { digestColumn, digestKind, digestSelect, rowFingerprintSelect, rowText } from './columnDigest'

const column = (name: string, dataType: string, columnType = dataType, charset: string | null = null): ColumnInfo => ({
  name,
  dataType,
  columnType,
  nullable: true,
  generated: 'no',
  charset,
  collation: charset ? `${charset}_general_ci` : null,
})

describe('digestKind', () => {
  it.each([
    ['int', 'int(11)', null, 'integer'],
    ['bigint', 'bigint(20) unsigned zerofill', null, 'unsigned'],
    ['tinyint', 'tinyint(1)', null, 'integer'],
    ['bit', 'bit(64)', null, 'unsigned'],
    ['year', 'year(4)', null, 'unsigned'],
    ['decimal', 'decimal(65,30)', null, 'decimal'],
    ['float', 'float', null, 'float'],
    ['double', 'double', null, 'float'],
    ['datetime', 'datetime(6)', null, 'temporal'],
    ['time', 'time(6)', null, 'temporal'],
    ['char', 'char(10)', 'utf8mb4', 'text'],
    ['enum', "enum('a','b,c')", 'utf8mb4', 'text'],
    ['set', "set('x','y')", 'latin1', 'text'],
    ['varbinary', 'varbinary(300)', null, 'binary'],
    ['longblob', 'longblob', null, 'binary'],
    ['varchar', 'varchar(10)', 'binary', 'binary'],
    ['json', 'json', 'utf8mb4', 'json'],
    ['geometry', 'geometry', null, 'binary'],
  ])('%s (%s, charset %s) is %s', (dataType, columnType, charset, kind) => {
    expect(digestKind(column('c', dataType, columnType, charset))).toBe(kind)
  })

  it('takes MariaDB JSON (LONGTEXT with a json_valid check) as JSON when told so', () => {
    expect(digestKind(column('j', 'longtext', 'longtext', 'utf8mb4'), true)).toBe('json')
  })
})

describe('digestColumn', () => {
  it('renders integers without display width or ZEROFILL, and BIT as a number', () => {
    expect(digestColumn(column('n', 'int'), 'integer').expression).toBe('CAST(`n` AS SIGNED)')
    expect(digestColumn(column('b', 'bit'), 'unsigned').expression).toBe('CAST(`b` AS UNSIGNED)')
  })

  it('hexes text as stored, and text in another charset as its utf8mb4 form', () => {
    expect(digestColumn(column('c', 'char', 'char(10)', 'utf8mb4'), 'text').expression).toBe('HEX(`c`)')
    const latin = digestColumn(column('l', 'varchar', 'varchar(5)', 'latin1'), 'text')
    expect(latin.expression).toBe('HEX(CONVERT(`l` USING utf8mb4))')
    expect(latin.read).toBe('CONVERT(`l` USING utf8mb4)')
  })

  it('leaves FLOAT/DOUBLE and JSON to the client, FLOAT widened exactly to a double', () => {
    expect(digestColumn(column('f', 'float'), 'float')).toMatchObject({ place: 'client', expression: '(`f` * 1e0)' })
    expect(digestColumn(column('j', 'json'), 'json')).toMatchObject({ place: 'client', expression: '`j`' })
  })

  it('quotes any column name', () => {
    expect(digestColumn(column('we`ird name', 'varbinary'), 'binary').expression).toBe('HEX(`we``ird name`)')
  })
})

describe('row digest', () => {
  const columns = [
    digestColumn(column('id', 'int'), 'integer'),
    digestColumn(column('v', 'varchar', 'varchar(5)', 'utf8mb4'), 'text'),
    digestColumn(column('f', 'double'), 'float'),
  ]

  it('joins the server columns with a NULL map, leaving client columns out', () => {
    expect(rowText(columns)).toBe("CONCAT_WS(',', CAST(`id` AS SIGNED), HEX(`v`), CONCAT(ISNULL(`id`), ISNULL(`v`)))")
  })

  it('counts rows and sums 60 bits of each row MD5 (equal rows do not cancel out)', () => {
    expect(digestSelect(columns)).toBe(
      `COUNT(*) AS n, COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(${rowText(columns)}), 1, 15), 16, 10) AS UNSIGNED)), 0) AS s`,
    )
  })

  it('digests a table of client columns only by its count', () => {
    expect(rowText([columns[2]!])).toBe("''")
  })

  it('fingerprints each server column by MD5 and reads client columns as they are', () => {
    expect(rowFingerprintSelect(columns)).toEqual(['MD5(CAST(`id` AS SIGNED))', 'MD5(HEX(`v`))', '(`f` * 1e0)'])
  })
})
