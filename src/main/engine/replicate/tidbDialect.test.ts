import { describe, expect, it } from 'vitest'
import { toTidbDialect } from './tidbDialect'

const statements = (sql: string) => toTidbDialect(sql).statements

describe('toTidbDialect', () => {
  it.each([
    ['ALTER ONLINE TABLE t ADD COLUMN a1 INT DEFAULT 1', ['ALTER TABLE t ADD COLUMN a1 INT DEFAULT 1']],
    ['ALTER TABLE t WAIT 5 ADD COLUMN a2 INT', ['ALTER TABLE t ADD COLUMN a2 INT']],
    ['ALTER TABLE `d`.`t` NOWAIT ADD COLUMN a3 INT', ['ALTER TABLE `d`.`t` ADD COLUMN a3 INT']],
    ['ALTER TABLE t ADD COLUMN a4 INT, ALGORITHM=NOCOPY, LOCK = NONE', ['ALTER TABLE t ADD COLUMN a4 INT']],
    ['ALTER TABLE t FORCE', []],
    ['ALTER TABLE t ENGINE=InnoDB, FORCE', ['ALTER TABLE t ENGINE=InnoDB']],
    [
      'CREATE OR REPLACE TABLE d.u (id INT PRIMARY KEY, v INT)',
      ['DROP TABLE IF EXISTS d.u', 'CREATE TABLE d.u (id INT PRIMARY KEY, v INT)'],
    ],
    ['RENAME TABLE IF EXISTS u TO u2, a TO b', ['RENAME TABLE u TO u2, a TO b']],
    ['RENAME TABLE a NOWAIT TO b', ['RENAME TABLE a  TO b']],
    ['DROP TABLE t WAIT 2', ['DROP TABLE t']],
    [
      'ALTER TABLE t ADD COLUMN c5 INT, ADD KEY k5 (c5)',
      ['ALTER TABLE t ADD COLUMN c5 INT', 'ALTER TABLE t ADD KEY k5 (c5)'],
    ],
    [
      'ALTER TABLE t ADD COLUMN e1 INT FIRST, ADD COLUMN e2 INT AFTER e1',
      ['ALTER TABLE t ADD COLUMN e1 INT FIRST', 'ALTER TABLE t ADD COLUMN e2 INT AFTER e1'],
    ],
    [
      'ALTER TABLE t CHANGE COLUMN c5 c6 INT, ADD KEY k6 (c6)',
      ['ALTER TABLE t CHANGE COLUMN c5 c6 INT', 'ALTER TABLE t ADD KEY k6 (c6)'],
    ],
    [
      'ALTER TABLE t ADD (x INT, y INT), ADD KEY (y)',
      ['ALTER TABLE t ADD (x INT, y INT)', 'ALTER TABLE t ADD KEY (y)'],
    ],
    [
      'ALTER TABLE t MODIFY COLUMN v BIGINT, ADD COLUMN z INT AFTER v',
      ['ALTER TABLE t MODIFY COLUMN v BIGINT, ADD COLUMN z INT AFTER v'],
    ],
    ['ALTER TABLE t ADD COLUMN rank INT, ADD COLUMN w INT', ['ALTER TABLE t ADD COLUMN `rank` INT, ADD COLUMN w INT']],
    [
      'CREATE TABLE w (id INT PRIMARY KEY, window INT, lead INT)',
      ['CREATE TABLE w (id INT PRIMARY KEY, `window` INT, `lead` INT)'],
    ],
    ['ALTER TABLE t ADD COLUMN u UUID NOT NULL', ['ALTER TABLE t ADD COLUMN u char(36) NOT NULL']],
    ['ALTER TABLE t MODIFY i INET6', ['ALTER TABLE t MODIFY i varchar(39)']],
    ['ALTER TABLE t ADD COLUMN uuid CHAR(36)', ['ALTER TABLE t ADD COLUMN uuid CHAR(36)']],
    [
      "ALTER TABLE t ADD COLUMN c VARCHAR(9) DEFAULT 'rank, window'",
      ["ALTER TABLE t ADD COLUMN c VARCHAR(9) DEFAULT 'rank, window'"],
    ],
  ])('%s', (sql, expected) => {
    expect(statements(sql)).toEqual(expected)
  })

  it('records every change', () => {
    const { rewrites } = toTidbDialect(
      'ALTER ONLINE TABLE t WAIT 3 ADD COLUMN rank INT, ADD KEY (rank), ALGORITHM=NOCOPY',
    )
    expect(rewrites).toHaveLength(5)
    expect(rewrites.join('\n')).toMatch(/ONLINE removed/)
    expect(rewrites.join('\n')).toMatch(/WAIT 3 removed/)
    expect(rewrites.join('\n')).toMatch(/`rank` quoted/)
    expect(rewrites.join('\n')).toMatch(/ALGORITHM=NOCOPY removed/)
    expect(rewrites.join('\n')).toMatch(/split into 2 statements/)
  })

  it.each([
    ['ALTER TABLE t ADD COLUMN inv INT INVISIBLE', /INVISIBLE column/],
    ['ALTER TABLE t ADD COLUMN p POINT NOT NULL', /spatial type POINT/],
    ['ALTER TABLE t MODIFY g GEOMETRY', /spatial type GEOMETRY/],
  ])('refuses %s', (sql, reason) => {
    expect(() => toTidbDialect(sql)).toThrow(reason)
    try {
      toTidbDialect(sql)
    } catch (e) {
      expect((e as { code: string }).code).toBe('REPLICATE_DDL_UNSUPPORTED')
      expect((e as { message: string }).message).toContain(sql)
    }
  })

  it('rebuilds a composite index around a DROP COLUMN of one of its columns', () => {
    const indexes = [
      {
        name: 'kc',
        unique: false,
        primary: false,
        columns: [
          { name: 'a', subPart: null },
          { name: 'b', subPart: 5 },
        ],
      },
      { name: 'ka', unique: true, primary: false, columns: [{ name: 'a', subPart: null }] },
      { name: 'PRIMARY', unique: true, primary: true, columns: [{ name: 'id', subPart: null }] },
    ]
    expect(statements2('ALTER TABLE t DROP COLUMN a', indexes)).toEqual([
      'ALTER TABLE t DROP INDEX `kc`',
      'ALTER TABLE t DROP COLUMN a',
      'ALTER TABLE t ADD INDEX `kc` (`b`(5))',
    ])
    const pk = [
      {
        name: 'PRIMARY',
        unique: true,
        primary: true,
        columns: [
          { name: 'id', subPart: null },
          { name: 'a', subPart: null },
        ],
      },
    ]
    expect(() => toTidbDialect('ALTER TABLE t DROP COLUMN a', pk)).toThrow(/composite primary key/)
  })
})

const statements2 = (sql: string, indexes: Parameters<typeof toTidbDialect>[1]) =>
  toTidbDialect(sql, indexes).statements
