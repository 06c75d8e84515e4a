/**
 * Asks the source for its binlog exactly as replication will (COM_BINLOG_DUMP), in non-blocking mode and
 * with server id 0 like `mysqlbinlog`, so no replica is kicked off and the server ends the stream itself.
 * This is the functional proof that REPLICATION SLAVE works and that a start position is readable and not
 * purged; grant parsing alone has been wrong too often (pain point 17).
 */
import { EventEmitter } from 'node:events'
import type { ServerInfo, SqlSession } from '../connect/session'

export type BinlogStart = { file: string; position: number } | { gtid: string }

export type BinlogDumpOutcome =
  | { ok: true; events: number }
  | { ok: false; errno: number | null; code: string | null; message: string }
  | { ok: 'timeout' }

const BINLOG_DUMP_NON_BLOCK = 0x01
/** Events the server makes up for the stream (fake rotate, Gtid_list…), which say nothing about the position. */
const LOG_EVENT_ARTIFICIAL_F = 0x20
const FORMAT_DESCRIPTION_EVENT = 15
const ROTATE_EVENT = 4
/** MySQL's keep-alive events (v1, and v2 from 8.0.26): made up by the server, they carry the current position. */
const HEARTBEAT_EVENTS = new Set([27, 41])

/**
 * Whether a binlog event packet (OK byte, then the 19-byte event header) is a real event read from the file,
 * as opposed to the rotate, format description and artificial events every dump begins with.
 */
function isRealEvent(packet: WirePacket): boolean {
  const header = packet.offset + 1
  if (packet.buffer.length < header + 19) return false
  const type = packet.buffer[header + 4]
  const flags = packet.buffer.readUInt16LE(header + 17)
  return (
    (flags & LOG_EVENT_ARTIFICIAL_F) === 0 &&
    type !== FORMAT_DESCRIPTION_EVENT &&
    type !== ROTATE_EVENT &&
    !HEARTBEAT_EVENTS.has(type!)
  )
}

/**
 * Where a real event read at `position` says it ends, when that is not `position` plus its own size: the bytes
 * at `position` are not the start of an event (row data or the middle of a header can read as one). Null when
 * the event begins there. The header's next-position field is 32 bits and wraps past 4 GiB, like the position.
 */
export function misplacedEventEnd(packet: Pick<WirePacket, 'buffer' | 'offset'>, position: number): number | null {
  const header = packet.offset + 1
  const size = packet.buffer.readUInt32LE(header + 9)
  const end = packet.buffer.readUInt32LE(header + 13)
  return end === (position + size) % 2 ** 32 ? null : end
}
const COM_BINLOG_DUMP = 0x12

interface WirePacket {
  buffer: Buffer
  offset: number
  isEOF(): boolean
  isError(): boolean
  asError(encoding?: string): Error & { errno?: number; code?: string }
}

interface WireConnection {
  clientEncoding?: string
  _resetSequenceId(): void
  writePacket(packet: { buffer: Buffer; length(): number; writeHeader(sequenceId: number): void }): void
  addCommand(command: unknown): unknown
}

/**
 * COM_BINLOG_DUMP as a minimal mysql2 command. mysql2's own BinlogDump cannot be used: it encodes the file
 * name and decodes events with an undefined encoding and throws ("Encoding not recognized"), which kills
 * the connection silently. The probe only needs to send the request and count what comes back.
 */
class BinlogDumpCommand extends EventEmitter {
  private started = false

  constructor(
    private readonly payload: Buffer,
    private readonly onPacket: (packet: WirePacket) => boolean,
    private readonly onError: (error: { errno?: number; code?: string; message: string }) => void,
  ) {
    super()
  }

  /** Called by mysql2 when the connection fails while this command runs. */
  onResult(error: Error & { errno?: number; code?: string }): void {
    this.onError(error)
  }

  execute(packet: WirePacket | undefined, connection: WireConnection): boolean {
    if (!this.started) {
      this.started = true
      connection._resetSequenceId()
      const buffer = Buffer.concat([Buffer.alloc(4), this.payload])
      connection.writePacket({
        buffer,
        length: () => buffer.length,
        writeHeader(sequenceId: number) {
          buffer.writeUIntLE(buffer.length - 4, 0, 3)
          buffer.writeUInt8(sequenceId, 3)
        },
      })
      return false
    }
    if (!packet) return false
    if (packet.isError()) {
      this.onError(packet.asError(connection.clientEncoding))
      return true
    }
    return !this.onPacket(packet)
  }
}

function dumpRequest(filename: string, position: number, serverId: number, flags: number): Buffer {
  const name = Buffer.from(filename, 'utf8')
  const payload = Buffer.alloc(11 + name.length)
  payload.writeUInt8(COM_BINLOG_DUMP, 0)
  payload.writeUInt32LE(position, 1)
  payload.writeUInt16LE(flags, 5)
  payload.writeUInt32LE(serverId, 7)
  name.copy(payload, 11)
  return payload
}

/**
 * Reads from `start` until the third event (fake rotate, format description, the event at the position)
 * or the end of the binlog. The session is consumed: the caller closes it afterwards.
 */
export async function probeBinlogDump(
  session: SqlSession,
  info: Pick<ServerInfo, 'flavor'>,
  start: BinlogStart,
  timeoutMs = 15_000,
): Promise<BinlogDumpOutcome> {
  try {
    // Without announcing checksum support the server refuses to stream a CRC32 binlog.
    await session.query('SET @master_binlog_checksum = @@global.binlog_checksum')
    if (info.flavor === 'mariadb') {
      await session.query('SET @mariadb_slave_capability = 4')
      if ('gtid' in start) {
        await session.query('SET @slave_connect_state = ?', [start.gtid])
        await session.query('SET @slave_gtid_strict_mode = 1')
      }
    }
  } catch (error) {
    const e = error as { errno?: number; code?: string; message: string }
    return { ok: false, errno: e.errno ?? null, code: e.code ?? null, message: e.message }
  }
  const filename = 'file' in start ? start.file : ''
  const binlogPos = 'file' in start ? start.position : 4
  // A file position is proven by the first real event read at it (the stream opens with a fake rotate, the
  // format description and, on MariaDB, artificial events that come before the position is read at all). A
  // GTID start is checked while the server scans for it, and MariaDB reports a missing or purged GTID only
  // after some events, so read further (to the end when the binlog is short).
  const enough = 'file' in start ? 1 : 200
  return new Promise<BinlogDumpOutcome>((resolve) => {
    let events = 0
    let settled = false
    const finish = (outcome: BinlogDumpOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // The stream has no "stop" command: ending the connection is how a replica stops reading.
      session.raw.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(() => finish({ ok: 'timeout' }), timeoutMs)
    const inner = (session.raw as unknown as { connection?: WireConnection }).connection
    if (typeof inner?.addCommand !== 'function') {
      finish({ ok: false, errno: null, code: null, message: 'this mysql2 build exposes no command queue' })
      return
    }
    inner.addCommand(
      new BinlogDumpCommand(
        dumpRequest(filename, binlogPos, 0, BINLOG_DUMP_NON_BLOCK),
        (packet) => {
          if (packet.isEOF()) {
            finish({ ok: true, events })
            return false
          }
          if (!isRealEvent(packet)) return !settled
          // At 4, right after the magic number, the server reads the file's own format description first.
          if (events === 0 && 'file' in start && start.position > 4) {
            const end = misplacedEventEnd(packet, start.position)
            if (end !== null) {
              finish({
                ok: false,
                errno: null,
                code: 'not_event_start',
                message: `no event begins at ${start.position} (the bytes there read as an event ending at ${end}, which is not where it would end): the position is inside another event`,
              })
              return false
            }
          }
          if (++events >= enough) finish({ ok: true, events })
          return !settled
        },
        (error) => finish({ ok: false, errno: error.errno ?? null, code: error.code ?? null, message: error.message }),
      ),
    )
  })
}

export const ER_ACCESS_DENIED = new Set([1227, 1045, 1044, 1142, 1143])
