/**
 * The benchmark's deterministic dataset, generated on the source server itself (MariaDB's SEQUENCE engine)
 * so generation is fast and identical run to run: mixed types, a composite key, JSON, binary, utf8mb4 text
 * and a table without a primary key. Scale 1 ≈ 2 M rows / 500 MB.
 */
import type { Connection } from 'mysql2/promise'

export interface DatasetTable {
  name: string
  rows: number
}

export async function createDataset(c: Connection, db: string, scale: number): Promise<DatasetTable[]> {
  const n = (base: number) => Math.max(1, Math.round(base * scale))
  const tables = [
    { name: 'orders', rows: n(1_000_000) },
    { name: 'customers', rows: n(200_000) },
    { name: 'events', rows: n(500_000) },
    { name: 'order_items', rows: n(300_000) },
  ]
  const rows = Object.fromEntries(tables.map((t) => [t.name, t.rows])) as Record<string, number>
  await c.query(`DROP DATABASE IF EXISTS \`${db}\``)
  await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`)
  await c.query(`USE \`${db}\``)
  await c.query(`CREATE TABLE orders (
    id BIGINT UNSIGNED NOT NULL PRIMARY KEY, customer_id INT NOT NULL, status ENUM('new','paid','shipped','cancelled') NOT NULL,
    amount DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, note VARCHAR(200) NOT NULL, flags BIT(8) NOT NULL, score DOUBLE NULL,
    KEY by_customer (customer_id))`)
  await c.query(`CREATE TABLE customers (
    id INT NOT NULL PRIMARY KEY, name VARCHAR(60) NOT NULL, email VARCHAR(80) NOT NULL, country CHAR(2) NOT NULL,
    created DATE NOT NULL, bio TEXT NULL, UNIQUE KEY (email))`)
  await c.query(`CREATE TABLE events (at DATETIME NOT NULL, kind VARCHAR(20) NOT NULL, payload JSON NOT NULL)`)
  await c.query(`CREATE TABLE order_items (
    order_id BIGINT UNSIGNED NOT NULL, line SMALLINT NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL,
    price DECIMAL(10,2) NOT NULL, digest VARBINARY(32) NOT NULL, PRIMARY KEY (order_id, line))`)
  // Generated in slices so no single statement holds the whole table in one transaction.
  const slices = async (total: number, insert: (from: number, to: number) => string) => {
    for (let from = 1; from <= total; from += 250_000) await c.query(insert(from, Math.min(total, from + 249_999)))
  }
  await slices(
    rows['orders']!,
    (a, b) => `INSERT INTO orders SELECT seq, seq % 200000, ELT(1 + seq % 4, 'new','paid','shipped','cancelled'),
    (seq % 100000) / 100, '2020-01-01' + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
    CONCAT('order ', seq, ' ', REPEAT(SUBSTRING(MD5(seq), 1, 16), 1 + seq % 8)), seq % 256, IF(seq % 10 = 0, NULL, seq / 7)
    FROM seq_${a}_to_${b}`,
  )
  await slices(
    rows['customers']!,
    (
      a,
      b,
    ) => `INSERT INTO customers SELECT seq, CONCAT(ELT(1 + seq % 5, 'Zoë', 'José', 'Ana', 'Łukasz', '陈'), ' ', seq),
    CONCAT('user', seq, '@example.com'), ELT(1 + seq % 6, 'DE','FR','JP','BR','US','PL'), '2000-01-01' + INTERVAL (seq % 8000) DAY,
    IF(seq % 7 = 0, NULL, REPEAT(CONCAT(MD5(seq), ' ✓ '), 1 + seq % 8)) FROM seq_${a}_to_${b}`,
  )
  await slices(
    rows['events']!,
    (
      a,
      b,
    ) => `INSERT INTO events SELECT '2021-01-01' + INTERVAL seq SECOND, ELT(1 + seq % 3, 'click', 'view', 'purchase'),
    JSON_OBJECT('id', seq, 'user', seq % 5000, 'tags', JSON_ARRAY('a', 'b', seq % 9), 'price', (seq % 1000) / 10, 'ref', MD5(seq))
    FROM seq_${a}_to_${b}`,
  )
  await slices(
    rows['order_items']!,
    (a, b) => `INSERT INTO order_items SELECT 1 + (seq - 1) DIV 3, 1 + (seq - 1) % 3, CONCAT('SKU-', seq % 50000),
    1 + seq % 9, (seq % 50000) / 100, UNHEX(SHA2(seq, 256)) FROM seq_${a}_to_${b}`,
  )
  await c.query('ANALYZE TABLE orders, customers, events, order_items')
  return tables
}
