/**
 * Two protocol-level commands for the existing-data hot path, queued on a session's mysql2 connection like
 * any other query (so they keep their order with the session's ordinary queries, transactions included):
 *
 * - `streamRawRows`: runs a text-protocol SELECT and hands every row packet to the caller as bytes, without
 *   building a JS value per cell. The copy transcodes those bytes straight into the target's format.
 * - `executeRaw`: sends a statement that is already bytes, without the string round trip mysql2's `query()`
 *   needs; `prepareRaw` and `executePacket` prepare a statement and execute it with parameters already encoded
 *   in place (logical mode's prepared multi-row REPLACE, load/preparedBatches.ts).
 * - `loadLocalRaw`: runs a LOAD DATA LOCAL INFILE statement and sends its "file" from Buffers the caller
 *   filled after a few free bytes, so each goes out as a packet without the copy mysql2 makes, and can be
 *   reused once the socket has taken it.
 *
 * The write commands answer with the OK packet's warning count: a server that stored a value other than the one
 * sent (a date it would not take, a truncated string) says so only there, so the writers must look at it.
 *
 * Both speak the plain MySQL client/server protocol: COM_QUERY (0x03, preceded by the query-attributes
 * header when that capability was negotiated), a column count, column definitions, EOF, rows, EOF; or an OK
 * or ERR packet. CLIENT_DEPRECATE_EOF is never negotiated by mysql2, so the EOF packets are always there.
 */
import { markSide, type SqlSession } from './session'

/** The parts of a mysql2 packet these commands read: the bytes and where the packet sits in them. */
interface ProtocolPacket {
  buffer: Buffer
  /** Start of the 4-byte packet header; the payload starts at `start + 4`. */
  start: number
  end: number
  asError(encoding?: string): Error
}

/** The parts of mysql2's callback connection these commands use (mysql2 3.x, lib/base/connection.js). */
interface ProtocolConnection {
  config: { clientFlags: number }
  serverCapabilityFlags?: number
  clientEncoding?: string
  sequenceId: number
  _resetSequenceId(): void
  writePacket(packet: { buffer: Buffer; length(): number; writeHeader(sequenceId: number): void }): void
  addCommand(command: object): void
  stream: NodeJS.WritableStream & { writableLength: number; writableNeedDrain: boolean }
  pause(): void
  resume(): void
  destroy(): void
}

const COM_QUERY = 0x03
const COM_STMT_PREPARE = 0x16
const CLIENT_QUERY_ATTRIBUTES = 0x08000000

function protocolConnection(session: SqlSession): ProtocolConnection {
  return (session.raw as unknown as { connection: ProtocolConnection }).connection
}

/** COM_QUERY around `body`. */
function queryPacket(connection: ProtocolConnection, body: Buffer) {
  const attributes =
    (connection.config.clientFlags & (connection.serverCapabilityFlags ?? 0) & CLIENT_QUERY_ATTRIBUTES) !== 0
  // Without attributes: [header×4][0x03]; with them, no parameters in one parameter set: [header×4][0x03][0][1].
  const prefix = attributes ? [0, 0, 0, 0, COM_QUERY, 0, 1] : [0, 0, 0, 0, COM_QUERY]
  // mysql2's writePacket fills in the header, or splits the packet into 16 MiB protocol packets when larger.
  return framed(Buffer.concat([Buffer.from(prefix), body]))
}

/** A protocol packet around `buffer`, whose first 4 bytes are the header's place. */
function framed(buffer: Buffer) {
  return {
    buffer,
    length: () => buffer.length,
    writeHeader(sequenceId: number) {
      buffer.writeUIntLE(buffer.length - 4, 0, 3)
      buffer[3] = sequenceId
    },
  }
}

/** A command object as mysql2's connection drives it: `execute` per packet (true when done), `onResult` on a fatal error. */
abstract class RawCommand<Result = number> {
  private started = false
  protected settled = false

  constructor(
    /** COM_QUERY's statement, COM_STMT_PREPARE's, or a whole command whose first 4 bytes are the header's place. */
    private readonly body: Buffer,
    private readonly kind: 'query' | 'prepare' | 'packet',
    private readonly resolveResult: (value: Result) => void,
    private readonly rejectResult: (error: Error) => void,
  ) {}

  execute(packet: ProtocolPacket | undefined, connection: ProtocolConnection): boolean {
    if (!this.started) {
      this.started = true
      connection._resetSequenceId()
      connection.writePacket(
        this.kind === 'packet'
          ? framed(this.body)
          : this.kind === 'prepare'
            ? framed(Buffer.concat([Buffer.from([0, 0, 0, 0, COM_STMT_PREPARE]), this.body]))
            : queryPacket(connection, this.body),
      )
      return false
    }
    if (!packet) return false
    if (packet.buffer[packet.start + 4] === 0xff) {
      this.fail(packet.asError(connection.clientEncoding))
      return true
    }
    return this.next(packet, connection)
  }

  /** A fatal connection error (lost connection, closed session) while this command was queued or running. */
  onResult(error: Error | null): void {
    if (error) this.fail(error)
  }

  /**
   * No answer within `ms`: fails like mysql2's own query timeout (code PROTOCOL_SEQUENCE_TIMEOUT). The
   * connection is destroyed, since a late answer would be taken for the next command's.
   */
  timeOut(ms: number, connection: ProtocolConnection): void {
    if (this.settled) return
    const error = Object.assign(new Error(`No answer from the server within ${ms} ms (query timeout)`), {
      code: 'PROTOCOL_SEQUENCE_TIMEOUT',
      fatal: true,
    })
    this.fail(error)
    connection.destroy()
  }

  protected abstract next(packet: ProtocolPacket, connection: ProtocolConnection): boolean

  protected succeed(value: Result): void {
    if (this.settled) return
    this.settled = true
    this.resolveResult(value)
  }

  protected fail(error: Error): void {
    if (this.settled) return
    this.settled = true
    this.rejectResult(error)
  }
}

class ExecuteCommand extends RawCommand {
  protected next(packet: ProtocolPacket): boolean {
    const first = packet.buffer[packet.start + 4]
    if (first === 0x00) {
      this.succeed(readOk(packet.buffer, packet.start + 4).warnings)
      return true
    }
    // Anything else (a result set, LOCAL INFILE request) is not what a write statement answers.
    this.fail(new Error(`the target answered a write statement with an unexpected packet (0x${first?.toString(16)})`))
    return true
  }
}

/** Receives each row of a result: the row packet's bytes from `start` to `end` (length-encoded cells). */
export type RawRowHandler = (packet: Buffer, start: number, end: number) => void

export interface RawRowStream {
  /** Resolves with the number of rows once the result is complete; rejects on a server or connection error. */
  readonly done: Promise<number>
  /**
   * Stops reading from the socket (the server then blocks on a full send buffer); rows already received wait.
   * A no-op once `done` has settled.
   */
  pause(): void
  resume(): void
  /** Stops delivering rows; the rest of the result is read and dropped so that the session stays usable. */
  cancel(): void
}

class StreamRowsCommand extends RawCommand {
  private state: 'header' | 'columns' | 'rows' = 'header'
  private columnsLeft = 0
  rows = 0
  cancelled = false
  /** When the last packet of the answer arrived (or the wait for it began). */
  heardAt = Date.now()

  constructor(
    sql: string,
    private readonly onRow: RawRowHandler,
    resolve: (rows: number) => void,
    reject: (error: Error) => void,
  ) {
    super(Buffer.from(sql, 'utf8'), 'query', resolve, reject)
  }

  protected next(packet: ProtocolPacket): boolean {
    this.heardAt = Date.now()
    const { buffer } = packet
    const payload = packet.start + 4
    const payloadLength = packet.end - payload
    // EOF: 0xfe with a short payload (a row whose first cell is ≥ 16 MiB also starts with 0xfe, but is long).
    const isEof = buffer[payload] === 0xfe && payloadLength < 9
    switch (this.state) {
      case 'header': {
        if (buffer[payload] === 0x00) {
          // OK: the statement returned no result set.
          this.succeed(0)
          return true
        }
        this.columnsLeft = readLengthEncoded(buffer, payload)
        this.state = 'columns'
        return false
      }
      case 'columns':
        if (this.columnsLeft > 0) this.columnsLeft -= 1
        else if (isEof) this.state = 'rows'
        return false
      case 'rows':
        if (isEof) {
          this.succeed(this.rows)
          return true
        }
        this.rows += 1
        if (!this.cancelled && !this.settled) this.onRow(buffer, payload, packet.end)
        return false
    }
  }
}

/** A length-encoded integer (the column count); the caller knows it is not NULL (0xfb). */
function readLengthEncoded(buffer: Buffer, at: number): number {
  const first = buffer[at]!
  if (first < 0xfb) return first
  if (first === 0xfc) return buffer.readUInt16LE(at + 1)
  if (first === 0xfd) return buffer.readUIntLE(at + 1, 3)
  return Number(buffer.readBigUInt64LE(at + 1))
}

/** Bytes a length-encoded integer starting at `at` takes. */
function lengthEncodedBytes(buffer: Buffer, at: number): number {
  const first = buffer[at]!
  return first < 0xfb ? 1 : first === 0xfc ? 3 : first === 0xfd ? 4 : 9
}

/** What a write's answer says, once it succeeded. */
export interface WriteAnswer {
  /** Rows the statement affected (LOAD DATA: the rows it read). */
  rows: number
  /** Warnings the statement raised: SHOW WARNINGS on the same session, as its next statement, lists them. */
  warnings: number
}

/**
 * The OK packet whose payload starts at `payload` (0x00): affected rows, last insert id (both length-encoded),
 * status flags, warning count. mysql2 always negotiates CLIENT_PROTOCOL_41, so the last two are there.
 */
function readOk(buffer: Buffer, payload: number): WriteAnswer {
  let at = payload + 1
  const rows = readLengthEncoded(buffer, at)
  at += lengthEncodedBytes(buffer, at)
  at += lengthEncodedBytes(buffer, at)
  return { rows, warnings: buffer.readUInt16LE(at + 2) }
}

/**
 * Runs `sql` (a SELECT) on the session and calls `onRow` for every row, in order, synchronously from the
 * socket's data handler. The session must not be used for anything else until `done` settles.
 */
export function streamRawRows(session: SqlSession, sql: string, onRow: RawRowHandler): RawRowStream {
  const connection = protocolConnection(session)
  let command: StreamRowsCommand | null = null
  let paused = false
  let settled = false
  const done = new Promise<number>((resolve, reject) => {
    command = new StreamRowsCommand(sql, onRow, resolve, (error) => reject(markSide(error, session.side)))
  })
  // A route that drops packets (no FIN, no RST) would leave the read waiting for ever: the server silent for the
  // session's query timeout while the reader wants rows counts as a lost connection. Time paused does not count.
  const timeoutMs = session.queryTimeoutMs
  const watchdog = timeoutMs
    ? setInterval(
        () => {
          if (!paused && Date.now() - command!.heardAt > timeoutMs) command!.timeOut(timeoutMs, connection)
        },
        Math.min(1000, timeoutMs),
      )
    : undefined
  const settle = () => {
    settled = true
    clearInterval(watchdog)
    if (paused) {
      paused = false
      connection.resume()
    }
  }
  done.then(settle, settle)
  connection.addCommand(command!)
  return {
    done,
    pause() {
      // Once the result is complete the socket belongs to the session's next command: pausing it then would
      // leave it paused for good if the caller stops before resuming (a paused job's reader never closed).
      if (paused || settled) return
      paused = true
      connection.pause()
    },
    resume() {
      if (!paused) return
      paused = false
      command!.heardAt = Date.now()
      connection.resume()
    },
    cancel() {
      command!.cancelled = true
      this.resume()
    },
  }
}

/**
 * Sends one statement given as bytes and resolves with its warning count once the server answered OK, or rejects
 * after the session's query timeout (the connection is then unusable).
 */
export function executeRaw(session: SqlSession, statement: Buffer): Promise<number> {
  return execute(session, statement, 'query')
}

/**
 * Sends one command that is already bytes, after 4 free bytes for the packet header (a COM_STMT_EXECUTE built
 * in place), and resolves with its warning count once the server answered OK; otherwise as `executeRaw`. The
 * caller may reuse the buffer once the promise settles (the server answers only after reading the whole command).
 */
export function executePacket(session: SqlSession, command: Buffer): Promise<number> {
  return execute(session, command, 'packet')
}

function execute(session: SqlSession, body: Buffer, kind: 'query' | 'packet'): Promise<number> {
  const connection = protocolConnection(session)
  const timeoutMs = session.queryTimeoutMs
  return new Promise<number>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const settle = () => clearTimeout(timer)
    const command = new ExecuteCommand(
      body,
      kind,
      (warnings) => (settle(), resolve(warnings)),
      (error) => (settle(), reject(markSide(error, session.side))),
    )
    connection.addCommand(command)
    if (timeoutMs) timer = setTimeout(() => command.timeOut(timeoutMs, connection), timeoutMs)
  })
}

/** Bytes a LOCAL INFILE piece leaves free at its start for the packet header (`loadLocalRaw`). */
export const infileHeadroom = 4

/**
 * Largest packet payload sent at once: a piece longer than this (a single huge row) goes out in slices, each a
 * packet of its own. Every packet stays far below the server's max_allowed_packet and below 16 MiB, whose exact
 * multiple would need the protocol's continuation packets (an empty one would read as the end of the file).
 */
const maxInfilePayload = 4 * 1024 * 1024

class LoadLocalCommand extends RawCommand<WriteAnswer> {
  /** The server has asked for the file (its next packet is the statement's answer). */
  private asked = false
  /** Why the file was cut short (the pieces' iterator threw): the statement then fails with it. */
  private feedError: Error | null = null

  constructor(
    sql: string,
    private readonly pieces: AsyncIterable<Buffer>,
    private readonly written: (piece: Buffer) => void,
    /** Settles with the command (answered, failed or connection lost). */
    private readonly settledPromise: Promise<void>,
    resolve: (answer: WriteAnswer) => void,
    reject: (error: Error) => void,
    /** The session's query timeout, for the two waits on the server: its request for the file, its answer. */
    private readonly timeoutMs?: number,
  ) {
    super(Buffer.from(sql, 'utf8'), 'query', resolve, reject)
  }

  private timer: ReturnType<typeof setTimeout> | undefined

  /** Fails the statement unless the server speaks within the query timeout (a route that drops every packet). */
  awaitServer(connection: ProtocolConnection): void {
    clearTimeout(this.timer)
    const ms = this.timeoutMs
    if (ms) this.timer = setTimeout(() => this.timeOut(ms, connection), ms)
    void this.settledPromise.then(() => clearTimeout(this.timer))
  }

  protected next(packet: ProtocolPacket, connection: ProtocolConnection): boolean {
    const first = packet.buffer[packet.start + 4]
    if (!this.asked) {
      if (first !== 0xfb) {
        this.fail(
          new Error(`the target answered LOAD DATA LOCAL without asking for the file (0x${first?.toString(16)})`),
        )
        return true
      }
      this.asked = true
      clearTimeout(this.timer)
      void this.send(connection)
      return false
    }
    if (first !== 0x00) {
      this.fail(new Error(`the target answered LOAD DATA LOCAL with an unexpected packet (0x${first?.toString(16)})`))
      return true
    }
    if (this.feedError) this.fail(this.feedError)
    else this.succeed(readOk(packet.buffer, packet.start + 4))
    return true
  }

  /** Sends every piece as a packet (ended by the empty packet), handing each back once the socket has taken it. */
  private async send(connection: ProtocolConnection): Promise<void> {
    const stream = connection.stream
    const pending: Buffer[] = []
    const handBack = () => {
      for (const piece of pending.splice(0)) this.written(piece)
    }
    const drained = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          stream.removeListener('drain', done)
          stream.removeListener('close', done)
          resolve()
        }
        stream.once('drain', done)
        stream.once('close', done)
        void this.settledPromise.then(done)
      })
    try {
      for await (const piece of this.pieces) {
        if (this.settled) break
        if (piece.length - infileHeadroom > maxInfilePayload) {
          for (let at = infileHeadroom; at < piece.length; at += maxInfilePayload) {
            const slice = piece.subarray(at, Math.min(piece.length, at + maxInfilePayload))
            connection.writePacket(framed(Buffer.concat([Buffer.alloc(infileHeadroom), slice])))
          }
        } else if (piece.length > infileHeadroom) {
          connection.writePacket(framed(piece))
        }
        pending.push(piece)
        // Written straight to the kernel: the piece is free now. Otherwise wait until the socket has taken it
        // all (this is also what bounds memory while the target reads slower than we encode).
        if (stream.writableLength === 0) handBack()
        else if (stream.writableNeedDrain) {
          await drained()
          if (stream.writableLength === 0) handBack()
        }
      }
    } catch (error) {
      // Cut short (an abort, a read or encoding error): end the file so the server answers, then fail with this.
      this.feedError = error instanceof Error ? error : new Error(String(error))
    }
    if (!this.settled) {
      connection.writePacket(framed(Buffer.alloc(infileHeadroom)))
      this.awaitServer(connection)
    }
    await this.settledPromise
    // The server answered (it had read everything) or the connection is gone: no piece is in use any more.
    handBack()
  }
}

/**
 * Runs `sql` (a LOAD DATA LOCAL INFILE statement) and sends its file as `pieces`, whose first `infileHeadroom`
 * bytes are free (the packet header is written there). `written` gets each piece back once the socket no longer
 * needs it. Resolves with the rows and warnings the server reports; rejects with the server's error, a lost
 * connection, or whatever the pieces' iterator threw (the file is then ended early and the statement keeps the
 * rows it read: outside a transaction they are committed).
 */
export function loadLocalRaw(
  session: SqlSession,
  sql: string,
  pieces: AsyncIterable<Buffer>,
  written: (piece: Buffer) => void = () => undefined,
): Promise<WriteAnswer> {
  const connection = protocolConnection(session)
  let markSettled!: () => void
  const settled = new Promise<void>((resolve) => (markSettled = resolve))
  return new Promise<WriteAnswer>((resolve, reject) => {
    const command = new LoadLocalCommand(
      sql,
      pieces,
      written,
      settled,
      (answer) => (markSettled(), resolve(answer)),
      (error) => (markSettled(), reject(markSide(error, session.side))),
      session.queryTimeoutMs,
    )
    connection.addCommand(command)
    command.awaitServer(connection)
  })
}

/**
 * The server's answer to COM_STMT_PREPARE: an OK header (statement id, column and parameter counts), then a
 * definition packet per parameter and per result column, each list ended by an EOF. The definitions are
 * skipped: mysql2 would build an object for each of a multi-row statement's thousands of parameters.
 */
class PrepareCommand extends RawCommand {
  private packetsLeft = -1
  private statement = 0
  parameters = 0

  protected next(packet: ProtocolPacket): boolean {
    const { buffer } = packet
    const payload = packet.start + 4
    if (this.packetsLeft < 0) {
      if (buffer[payload] !== 0x00) {
        this.fail(
          new Error(`the server answered a prepare with an unexpected packet (0x${buffer[payload]?.toString(16)})`),
        )
        return true
      }
      this.statement = buffer.readUInt32LE(payload + 1)
      const columns = buffer.readUInt16LE(payload + 5)
      this.parameters = buffer.readUInt16LE(payload + 7)
      // Each non-empty list of definitions is followed by an EOF packet.
      this.packetsLeft = (this.parameters > 0 ? this.parameters + 1 : 0) + (columns > 0 ? columns + 1 : 0)
    } else {
      this.packetsLeft -= 1
    }
    if (this.packetsLeft > 0) return false
    this.succeed(this.statement)
    return true
  }
}

/** Prepares `sql` on the session; resolves with the statement's id and its number of parameters. */
export function prepareRaw(session: SqlSession, sql: string): Promise<{ id: number; parameters: number }> {
  const connection = protocolConnection(session)
  const timeoutMs = session.queryTimeoutMs
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const command: PrepareCommand = new PrepareCommand(
      Buffer.from(sql, 'utf8'),
      'prepare',
      (id) => (clearTimeout(timer), resolve({ id, parameters: command.parameters })),
      (error) => (clearTimeout(timer), reject(markSide(error, session.side))),
    )
    connection.addCommand(command)
    if (timeoutMs) timer = setTimeout(() => command.timeOut(timeoutMs, connection), timeoutMs)
  })
}
