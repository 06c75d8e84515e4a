import { describe, expect, it } from 'vitest'
import type { TableShape } from '../dump/tableInspector'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { planTableDigest } from './validationRunner'

const col = (
  name: string,
  dataType: string,
  charset: string | null = null,
  collation: string | null = null,
): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  nullable: false,
  generated: 'no',
  charset,
  collation,
})

const shape = (columns: ColumnInfo[], key: TableShape['key']): TableShape => ({
  table: { schema: 'shop', name: 'items' },
  columns,
  key,
  rowEstimate: 10,
  avgRowBytes: 100,
  dataBytes: 1000,
  kind: 'table',
})

const tidbCollations = new Set(['utf8mb4_bin', 'utf8mb4_general_ci', 'latin1_bin'])

describe('planTableDigest', () => {
  it('explains a case-insensitive column the target holds as binary, and still cuts key ranges alike', () => {
    const source = [
      col('code', 'varchar', 'utf8mb4', 'utf8mb4_general_ci'),
      col('name', 'varchar', 'latin1', 'latin1_swedish_ci'),
    ]
    const target = [
      col('code', 'varchar', 'utf8mb4', 'utf8mb4_general_ci'),
      col('name', 'varchar', 'latin1', 'latin1_bin'),
    ]
    const plan = planTableDigest(
      shape(source, { kind: 'primary', columns: [{ name: 'code', type: 'string' }] }),
      target,
      () => false,
      tidbCollations,
    )
    expect(plan).toMatchObject({ whole: false, keyCollations: [null], columnsMissing: [] })
    expect(plan.notes).toEqual([
      expect.stringMatching(
        /^Column name is latin1_swedish_ci on the source and latin1_bin on the target .*not a difference.*letter case/,
      ),
    ])
  })

  it('compares the target under the source collation of a text key it has, as a whole when it lacks it', () => {
    const key: TableShape['key'] = { kind: 'primary', columns: [{ name: 'name', type: 'string' }] }
    const source = [col('name', 'varchar', 'utf8mb4', 'utf8mb4_general_ci')]
    const target = [col('name', 'varchar', 'utf8mb4', 'utf8mb4_bin')]
    expect(planTableDigest(shape(source, key), target, () => false, tidbCollations)).toMatchObject({
      whole: false,
      keyCollations: ['utf8mb4_general_ci'],
    })
    const latin = [col('name', 'varchar', 'latin1', 'latin1_swedish_ci')]
    const plan = planTableDigest(
      shape(latin, key),
      [col('name', 'varchar', 'latin1', 'latin1_bin')],
      () => false,
      tidbCollations,
    )
    expect(plan).toMatchObject({ whole: true, keyColumns: [], keyCollations: [] })
    expect(plan.notes.join('\n')).toMatch(
      /key column name sorts under latin1_swedish_ci on the source, which the target lacks.*compared as a whole/,
    )
  })

  it('leaves out generated columns and columns the target lacks, saying so, and takes JSON from either side', () => {
    const source = [
      col('id', 'int'),
      { ...col('g', 'int'), generated: 'virtual' as const },
      col('doc', 'longtext', 'utf8mb4', 'utf8mb4_bin'),
      col('gone', 'int'),
    ]
    const target = [col('id', 'int'), col('g', 'int'), col('doc', 'json')]
    const plan = planTableDigest(shape(source, null), target, () => false, tidbCollations)
    expect(plan.columns.map((c) => [c.name, c.kind, c.place])).toEqual([
      ['id', 'integer', 'server'],
      ['doc', 'json', 'client'],
    ])
    expect(plan.columnsMissing).toEqual(['gone'])
    expect(plan.whole).toBe(true)
    expect(plan.notes).toEqual([
      expect.stringMatching(/no primary key or NOT NULL unique key: it is compared as a whole/),
      'Generated columns are not compared (the target computes them itself): g.',
      'Columns missing on the target, not compared: gone.',
    ])
  })

  it('marks a table the target does not have', () => {
    expect(planTableDigest(shape([col('id', 'int')], null), undefined, () => false, tidbCollations)).toMatchObject({
      missingOnTarget: true,
    })
  })
})
