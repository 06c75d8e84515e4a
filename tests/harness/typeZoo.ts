/**
 * The "type zoo": one table with every MySQL/MariaDB column type and its edge values (extremes, zero dates,
 * microseconds, emoji and latin1 text, all 256 byte values, ENUM labels with commas and quotes, JSON,
 * generated columns, NULL in every nullable column), shared by the copy and the replication suites.
 */
import type { Connection } from 'mysql2/promise'

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

export const zooDdl = (db: string) => `
CREATE TABLE \`${db}\`.zoo (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ti TINYINT NULL, tu TINYINT UNSIGNED NULL, si SMALLINT NULL, mi MEDIUMINT NULL, i INT NULL,
  bu BIGINT UNSIGNED NULL, bs BIGINT NULL,
  d DECIMAL(65,30) NULL, d0 DECIMAL(10,0) NULL,
  f FLOAT NULL, db DOUBLE NULL,
  b1 BIT(1) NULL, b64 BIT(64) NULL,
  dt DATE NULL, dtm DATETIME(6) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6) NULL, y YEAR NULL,
  c CHAR(10) CHARACTER SET utf8mb4 NULL, vc VARCHAR(200) CHARACTER SET utf8mb4 NULL, tx TEXT CHARACTER SET utf8mb4 NULL,
  lat VARCHAR(50) CHARACTER SET latin1 NULL, latx TEXT CHARACTER SET latin1 NULL,
  bin BINARY(4) NULL, vb VARBINARY(300) NULL, bl BLOB NULL, lb LONGBLOB NULL,
  e ENUM('a','b,c','d''e','') NULL, s SET('x','y','z') NULL,
  j JSON NULL,
  gv BIGINT AS (i * 2) VIRTUAL, gs VARCHAR(20) AS (CONCAT('g', ti)) STORED
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

export async function fillZoo(c: Connection, db: string): Promise<void> {
  const insert = `INSERT INTO \`${db}\`.zoo (ti,tu,si,mi,i,bu,bs,d,d0,f,db,b1,b64,dt,dtm,ts,tm,y,c,vc,tx,lat,latx,bin,vb,bl,lb,e,s,j) VALUES `
  await c.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")
  await c.query("SET SESSION time_zone = '+00:00'")
  await c.query(
    insert +
      `(127, 255, 32767, 8388607, 2147483647, 18446744073709551615, 9223372036854775807,
    99999999999999999999999999999999999.999999999999999999999999999999, 9999999999,
    3.4028234e38, 1.7976931348623157e308, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
    '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.000000', 2155,
    'emoji😀', 'héllo 😀 世界 \\t tab \\n newline \\\\ backslash', REPEAT('long text ✓ ', 3000),
    'é ü ß ¿', CONCAT('latin1 ', CHAR(233), CHAR(255)),
    0x00ff1020, ?, ?, ?, 'b,c', 'x,z', '{"a": 1, "big": 12345678901234567890, "s": "😀", "f": 0.1, "n": null}')`,
    [allBytes, Buffer.concat([allBytes, allBytes]), Buffer.alloc(200_000, 0xab)],
  )
  await c.query(
    insert +
      `(-128, 0, -32768, -8388608, -2147483648, 0, -9223372036854775808,
    -99999999999999999999999999999999999.999999999999999999999999999999, -1,
    -1.17549435e-38, -2.2250738585072014e-308, b'0', b'0',
    '0000-00-00', '0000-00-00 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59.000000', 1901,
    '', '', '', '', '', 0x00000000, '', '', '', 'd''e', '', '[]')`,
  )
  await c.query(
    insert +
      `(0, 1, 0, 0, 0, 9007199254740993, 9007199254740993, 0.000000000000000000000000000001, 0,
    0.1, 0.1, b'1', b'1000000000000000000000000000000000000000000000000000000000000001',
    '2024-02-29', '2021-03-28 01:30:00.000001', '2021-10-31 01:30:00.500000', '-00:00:00.000001', 0,
    '\\'quoted\\'', 'NULL', '\\\\N', 'x', 'tab\\there', 'abcd', 0x5c4e, 0x0d0a1a00, 0x09, '', 'x,y,z', '"just a string"')`,
  )
  await c.query(
    insert +
      `(1, 2, 3, 4, 5, 16777217, -16777217, 1.5, 7, 16777216, 5e-324, NULL, NULL,
    '1000-01-01', '1000-01-01 00:00:00.000000', NULL, '00:00:00.000000', 2000,
    'ok', 'ok', 'ok', 'ok', 'ok', NULL, NULL, NULL, NULL, 'a', 'y', '{"nested": {"deep": [1, 2.5, true, false]}}')`,
  )
  // NULL in every nullable column.
  await c.query(`INSERT INTO \`${db}\`.zoo (id) VALUES (100)`)
  // Many small rows, to cross chunk boundaries with a small chunk size.
  const rows = Array.from(
    { length: 3000 },
    (_, n) => `(${1000 + n}, ${n % 128}, ${n * 7919}, 'row ${n} ✓', ${n % 3 === 0 ? 'NULL' : `'${n}.${n}'`})`,
  )
  await c.query(`INSERT INTO \`${db}\`.zoo (id, ti, i, vc, d) VALUES ${rows.join(',')}`)
}
