/** The source's binlog files (SHOW BINARY LOGS) and the distance from a position to their end. */
import type { BinlogPosition } from '../../../shared/domain/position'
import type { SqlSession } from '../connect/session'

export async function readBinaryLogs(source: SqlSession): Promise<{ name: string; size: number }[]> {
  const rows = await source.query<{ Log_name: string; File_size: string | number }>('SHOW BINARY LOGS')
  return rows.map((r) => ({ name: r.Log_name, size: Number(r.File_size) }))
}

/** Bytes from `from` to the end of the source's binlog, given SHOW BINARY LOGS. */
export function bytesBehind(from: BinlogPosition, logs: { name: string; size: number }[]): number | null {
  const at = logs.findIndex((l) => l.name === from.file)
  if (at < 0) return null
  let bytes = Math.max(0, logs[at]!.size - from.position)
  for (const l of logs.slice(at + 1)) bytes += l.size
  return bytes
}
