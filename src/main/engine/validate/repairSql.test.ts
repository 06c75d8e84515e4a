import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SqlSession } from '../connect/session'
import { digestColumn } from './columnDigest'
import type { SideTable } from './rangeReader'
import { createRepairFile, deleteStatement, replaceStatement } from './repairSql'

const id = digestColumn({ name: 'id', charset: null }, 'integer')
const name = digestColumn({ name: 'name', charset: 'latin1' }, 'text')
const blob = digestColumn({ name: 'b`lob', charset: null }, 'binary')
const side: SideTable = {
  session: {} as SqlSession,
  table: { schema: 'shop', name: 'items' },
  key: { kind: 'primary', columns: [{ name: 'id', type: 'int' }] },
  keyCollations: [],
  columns: [id, name, blob],
  keyColumns: [id],
}

describe('repair statements', () => {
  it('replace a row with the source values, text as utf8mb4 bytes, binary as hex, NULL as NULL', () => {
    expect(replaceStatement(side, [Buffer.from('42'), Buffer.from('Ü'), null])).toBe(
      "REPLACE INTO `shop`.`items` (`id`, `name`, `b``lob`) VALUES (42, _utf8mb4 X'c39c', NULL);",
    )
  })

  it('delete a target row by its key', () => {
    expect(deleteStatement(side, [Buffer.from('-7')])).toBe('DELETE FROM `shop`.`items` WHERE `id` = -7;')
  })

  it('go to a file only once there is something to repair, after the session settings the copy writes with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutover-repair-'))
    try {
      const path = join(dir, 'nested', 'repair.sql')
      const sink = createRepairFile(path, 'Repair SQL of job shop.\nCutover never runs it.')
      expect(sink.written).toBe(false)
      sink.delete(side, [[Buffer.from('1')]])
      sink.replace(side, [[Buffer.from('2'), Buffer.from('a'), Buffer.from([0])]])
      sink.close()
      expect(existsSync(path)).toBe(true)
      expect(sink).toMatchObject({ written: true, statements: 2 })
      expect(readFileSync(path, 'utf8').split('\n')).toEqual([
        '-- Repair SQL of job shop.',
        '-- Cutover never runs it.',
        "SET SESSION time_zone = '+00:00';",
        "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES';",
        'SET SESSION foreign_key_checks = 0;',
        'DELETE FROM `shop`.`items` WHERE `id` = 1;',
        "REPLACE INTO `shop`.`items` (`id`, `name`, `b``lob`) VALUES (2, _utf8mb4 X'61', X'00');",
        '',
      ])
      const none = createRepairFile(join(dir, 'none.sql'), 'x')
      none.close()
      expect(existsSync(join(dir, 'none.sql'))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
