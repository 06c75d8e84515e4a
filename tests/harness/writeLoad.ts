/** A source write workload for replication tests: small transactions as fast as the source takes them. */
import type { Connection } from 'mysql2/promise'

/** One statement (or a few) of a transaction, given a key drawn for it, the workload's random source and the count. */
export type Operation = (step: { id: number; rand: (n: number) => number; transaction: number }) => Promise<unknown>

/**
 * Runs transactions of 4 operations until `until()` says stop; each operation draws a key below `keys`, then one of
 * `operations`, from a linear congruential generator seeded with `seed` (the same run each time). Returns how many
 * transactions committed.
 */
export async function writeTransactions(
  c: Connection,
  until: () => boolean,
  options: { keys: number; operations: Operation[]; seed: number },
): Promise<number> {
  let x = options.seed
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x % n
  }
  let transaction = 0
  while (!until()) {
    await c.query('START TRANSACTION')
    for (let k = 0; k < 4; k++) {
      const id = rand(options.keys)
      await options.operations[rand(options.operations.length)]!({ id, rand, transaction })
    }
    await c.query('COMMIT')
    transaction++
  }
  return transaction
}

/**
 * The `hot` table both validation workloads write: `rows` rows keyed 0…rows-1, and the three operations on it (an
 * upsert, an update that appends `suffix`, a delete), each on the key drawn for it.
 */
export const hotTable = {
  async create(c: Connection, db: string, rows: number): Promise<void> {
    await c.query(`CREATE TABLE \`${db}\`.hot (id INT PRIMARY KEY, v VARCHAR(400), n BIGINT) DEFAULT CHARSET=utf8mb4`)
    await c.query(
      `INSERT INTO \`${db}\`.hot VALUES ${Array.from({ length: rows }, (_, i) => `(${i}, 'v${i}', ${i})`).join(',')}`,
    )
  },
  operations(c: Connection, db: string, suffix: string): Operation[] {
    return [
      ({ id }) =>
        c.query(`INSERT INTO \`${db}\`.hot (id, v, n) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE n = n + 1`, [
          id,
          `v${id}`,
          id,
        ]),
      ({ id }) => c.query(`UPDATE \`${db}\`.hot SET v = CONCAT(v, ?), n = n + 7 WHERE id = ?`, [suffix, id]),
      ({ id }) => c.query(`DELETE FROM \`${db}\`.hot WHERE id = ?`, [id]),
    ]
  },
}
