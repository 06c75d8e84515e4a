import { describe, expect, it } from 'vitest'
import { withSourceCollations } from './ddlCollations'

const mariadb = new Map([
  ['utf8mb4', 'utf8mb4_general_ci'],
  ['latin1', 'latin1_swedish_ci'],
])

describe('withSourceCollations', () => {
  it.each([
    [
      'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4',
      'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
    ],
    [
      'ALTER TABLE t ADD COLUMN c VARCHAR(10) CHARACTER SET latin1 NOT NULL',
      'ALTER TABLE t ADD COLUMN c VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL',
    ],
    [
      'CREATE TABLE x (a CHAR(2) CHARSET latin1, b TEXT) DEFAULT CHARSET=utf8mb4',
      'CREATE TABLE x (a CHAR(2) CHARSET latin1 COLLATE latin1_swedish_ci, b TEXT) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci',
    ],
    ['ALTER TABLE t CHARACTER SET = latin1', 'ALTER TABLE t CHARACTER SET = latin1 COLLATE latin1_swedish_ci'],
  ])('adds the source default: %s', (sql, expected) => {
    expect(withSourceCollations(sql, mariadb)).toBe(expected)
  })

  it.each([
    'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    'CREATE TABLE x (a INT) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    'ALTER TABLE t ADD COLUMN c VARCHAR(3) COLLATE latin1_bin CHARACTER SET latin1',
    'ALTER TABLE t ADD COLUMN g VARCHAR(20) AS (CAST(a AS CHAR CHARACTER SET utf8mb4)) VIRTUAL',
    'ALTER TABLE t ADD COLUMN g VARCHAR(20) AS (CONVERT(a USING latin1)) VIRTUAL',
    "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'CHARACTER SET utf8mb4'",
    '/* CHARACTER SET utf8mb4 */ ALTER TABLE t ENGINE=InnoDB',
    'ALTER TABLE t CONVERT TO CHARACTER SET koi8r',
  ])('leaves alone: %s', (sql) => {
    expect(withSourceCollations(sql, mariadb)).toBe(sql)
  })
})
