/**
 * Our narrow interface over zongji: reads the source's binlog from a position under the job's own replication
 * server id and hands over whole transactions (or, for very large ones, ordered parts of one) with the position
 * at which each ends, DDL statements already folded into the schema history, and source heartbeats.
 *
 * What it never does: skip. An event it cannot decode exactly (compressed payload, partial JSON update, an
 * unknown event type, a row image that is not FULL, a statement-format data change, a column count that does
 * not match the history) ends the stream with a coded error naming it. A purged binlog is a non-retryable
 * error; a dropped connection is a retryable one (the stage reconnects from its checkpoint).
 *
 * A bounded queue sits between the stream and its consumer: when it holds too many rows the binlog socket is
 * paused (TCP back-pressure to the source) until the consumer catches up.
 */
import ZongJi, { GtidSet, MariadbGtidPosition } from '@vlasky/zongji'
import type { AnyBinlogEvent, TableMapEvent } from '@vlasky/zongji'
import { CutoverError } from '../../../shared/domain/errors'
import { isTransient } from '../retryPolicy'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { ConnectRoute } from '../connect/openSession'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import type { CellValue } from '../load/valueEncoding'
import type { DdlEffect, SchemaTracker, TrackedTable } from './schemaTracker'
import type { DecodedTable, ZongjiTableEntry } from './rowDecoding'
import { allColumnsPresent, cellLiteral, columnSchemasFor, prepareTable, rowValues } from './rowDecoding'
import type { DecodedRowsEvent } from './rowImageDecoder'
import { decodeRowsEvent, isRowsEventCode } from './rowImageDecoder'

export type ChangeKind = 'insert' | 'update' | 'delete'

export interface RowChange {
  kind: ChangeKind
  ref: TableRef
  /** Live history entry (unique keys as of apply time). */
  table: TrackedTable
  /** Column definitions the values were decoded with. */
  columns: ColumnInfo[]
  before: CellValue[] | null
  after: CellValue[] | null
}

export type ReaderItem =
  /**
   * Row changes of one transaction, in binlog order; `end` is null for all but the last part of a large one, and
   * `at` is where the item's last event ends (its `end` when it has one).
   */
  | { kind: 'rows'; changes: RowChange[]; end: BinlogPosition | null; at: BinlogPosition; timestamp: number }
  /** A schema change already folded into the history; `trackedSchema` is the history right after it. */
  | {
      kind: 'ddl'
      effect: Extract<DdlEffect, { kind: 'apply' }>
      defaultSchema: string
      end: BinlogPosition
      timestamp: number
      trackedSchema: string
    }
  /** The source is idle at this position. */
  | { kind: 'heartbeat'; file: string; position: number }
  | { kind: 'error'; error: CutoverError }

export interface BinlogReaderOptions {
  route: ConnectRoute
  serverId: number
  /** Where to start: a file + offset (with the GTID set valid there when known), or a GTID set alone. */
  start: BinlogPosition | { gtidSet: string }
  tracker: SchemaTracker
  /** Rows the queue may hold before the socket is paused. */
  maxQueuedRows?: number
  /**
   * Seconds between the source's heartbeats while it is idle. No byte from the source for
   * `stallSeconds(heartbeatSeconds)` means the connection is half-open: the reader ends with a retryable error.
   */
  heartbeatSeconds?: number
  /** Rows per part of a large transaction. */
  partRows?: number
  /**
   * Decode every row image our way AND zongji's, and stop the job on any difference (tests set it through
   * CUTOVER_VERIFY_ROW_DECODING=1). Zongji's values are the ones applied.
   */
  verifyDecoding?: boolean
}

export interface BinlogReader {
  /** The next item in binlog order; waits while the queue is empty. */
  take(signal: AbortSignal): Promise<ReaderItem>
  /** Rows waiting in the queue (for the progress display). */
  readonly queuedRows: number
  close(): Promise<void>
}

/** Event types zongji maps to `Unknown` that carry no row data under ROW format. */
const harmlessUnknownCodes = new Map<number, string>([
  [3, 'STOP_EVENT'],
  [13, 'RAND_EVENT'],
  [14, 'USER_VAR_EVENT'],
  [28, 'IGNORABLE_LOG_EVENT'],
  [36, 'TRANSACTION_CONTEXT_EVENT'],
  [37, 'VIEW_CHANGE_EVENT'],
])
const eventNames: Record<number, string> = {
  0: 'UNKNOWN_EVENT',
  1: 'START_EVENT_V3',
  6: 'LOAD_EVENT',
  7: 'SLAVE_EVENT',
  8: 'CREATE_FILE_EVENT',
  9: 'APPEND_BLOCK_EVENT',
  10: 'EXEC_LOAD_EVENT',
  11: 'DELETE_FILE_EVENT',
  12: 'NEW_LOAD_EVENT',
  17: 'BEGIN_LOAD_QUERY_EVENT',
  18: 'EXECUTE_LOAD_QUERY_EVENT',
  20: 'PRE_GA_DELETE_ROWS_EVENT',
  21: 'PRE_GA_UPDATE_ROWS_EVENT',
  22: 'PRE_GA_WRITE_ROWS_EVENT',
  26: 'INCIDENT_EVENT',
  39: 'PARTIAL_UPDATE_ROWS_EVENT',
  40: 'TRANSACTION_PAYLOAD_EVENT',
}

function undecodable(what: string, workaround: string): CutoverError {
  return new CutoverError({
    code: 'REPLICATE_EVENT_UNDECODABLE',
    stage: 'incremental',
    message: `The binlog holds ${what}. Cutover cannot turn it into exact row changes, and skipping it would lose data, so the job stopped.`,
    workaround,
  })
}

/** Classifies an error of the binlog connection: retryable (reconnect) or not, with a code and a fix. */
export function classifyReaderError(error: unknown): CutoverError {
  if (error instanceof CutoverError) return error
  const e = error as { errno?: number; code?: string; message?: string; sqlMessage?: string }
  const text = e.sqlMessage ?? e.message ?? String(error)
  if (
    e.errno === 1236 &&
    /purged|could not find|not find first log|no longer|master has purged|binary log.*not.*exist/i.test(text)
  ) {
    return new CutoverError({
      code: 'REPLICATE_BINLOG_PURGED',
      stage: 'incremental',
      message: `The source no longer has the binlog this job must read next (${text}).`,
      workaround:
        "Create a new job that copies the existing data again from a fresh snapshot, and raise the source's binlog retention (binlog_expire_logs_seconds / expire_logs_days, or the provider's retention setting) above the longest time a job may pause or lag.",
    })
  }
  if (e.errno === 1236 || e.errno === 1945 || e.errno === 1955) {
    return new CutoverError({
      code: 'REPLICATE_POSITION_INVALID',
      stage: 'incremental',
      message: `The source refused the start position (${text}${e.errno ? `, error ${e.errno}` : ''}).`,
      workaround:
        'Check the start position (file and offset from SHOW MASTER STATUS / SHOW BINARY LOGS, or a GTID set of this server), or start from "now".',
    })
  }
  if (e.errno === 4052 || /server_id|server id/i.test(text)) {
    return new CutoverError({
      code: 'REPLICATE_SERVER_ID_CLASH',
      stage: 'incremental',
      message: `Another replica reads the source's binlog under this job's replication server id (${text}).`,
      workaround: 'Stop the other reader, or create a new job (it draws a new server id).',
    })
  }
  if (e.errno === 1227 || e.errno === 1045 || e.errno === 1044 || /access denied/i.test(text)) {
    return new CutoverError({
      code: 'REPLICATE_PRIVILEGE',
      stage: 'incremental',
      message: `The source user may not read the binlog (${text}).`,
      workaround:
        'GRANT REPLICATION SLAVE, REPLICATION CLIENT (BINLOG MONITOR on MariaDB ≥ 10.5) ON *.* to the migration user.',
    })
  }
  // ENOTFOUND too: the source's name resolved when the job started, so a VPN that dropped took the resolver away.
  if (isTransient(e) || e.code === 'ENOTFOUND') {
    return new CutoverError({
      code: 'REPLICATE_CONNECTION_LOST',
      stage: 'incremental',
      retryable: true,
      message: `The binlog connection to the source dropped (${e.code ?? e.errno ?? ''} ${text}).`,
      workaround:
        'Cutover reconnects by itself from its last checkpoint; if this persists, check the network path to the source.',
    })
  }
  return undecodable(
    `an event zongji could not read (${text})`,
    'Report this with the message; the job resumes from its last checkpoint once the cause is fixed.',
  )
}

type ZongjiInternals = {
  tableMap: Record<number, ZongjiTableEntry>
  connection: { pause(): void; resume(): void; query(sql: string, cb: (error: Error | null) => void): void } | null
  BinlogClass?: {
    prototype: { binlogData(packet: { buffer: Buffer; offset: number; end: number }, connection: unknown): unknown }
  }
  isMariaDb: boolean
  emit(event: string, ...args: unknown[]): boolean
}

const tableMapEventCode = 19

/**
 * How long the binlog connection may stay silent (no event, no heartbeat, no byte) before it counts as half-open:
 * five heartbeat periods, at least 2 s. The source sends a heartbeat whenever it has had nothing to send for one
 * period, so silence for several periods means packets are lost on the way (a MariaDB replica gives up after
 * slave_net_timeout, 60 s, with a heartbeat every 30 s).
 */
export function stallSeconds(heartbeatSeconds = 1): number {
  return Math.max(2, 5 * heartbeatSeconds)
}

export function openBinlogReader(options: BinlogReaderOptions): BinlogReader {
  const { tracker } = options
  const maxQueuedRows = options.maxQueuedRows ?? 20_000
  const verifyDecoding = options.verifyDecoding ?? process.env['CUTOVER_VERIFY_ROW_DECODING'] === '1'
  const partRows = options.partRows ?? 2_000
  const queue: ReaderItem[] = []
  let queuedRows = 0
  let paused = false
  let wake: (() => void) | null = null
  let finished = false

  const decoded = new Map<number, DecodedTable>()
  const signatures = new Map<number, string>()
  let file = 'start' in options && 'file' in options.start ? options.start.file : ''
  let executed: { add(gtid: never): void; toString(): string } | null = null
  const seed = options.start.gtidSet
  let lastEventCode = -1

  const zongji = new ZongJi(options.route.connectionOptions('source')) as unknown as ZongJi & ZongjiInternals
  const internals = zongji as unknown as ZongjiInternals

  // Scope decides at the TableMap: rows of other tables are then skipped unparsed by zongji itself.
  ;(zongji as unknown as { _skipSchema(db: string, table: string): boolean })._skipSchema = (db, table) =>
    !tracker.inScope(db, table)

  // NO_LOG (and MariaDB tables with classic temporal codes): zongji would ask information_schema for the table's
  // columns *now*; the history's columns at this binlog position are the only correct answer.
  ;(zongji as unknown as { _fetchTableInfo(event: TableMapEvent, next: () => void): void })._fetchTableInfo = (
    event,
    next,
  ) => {
    const tracked = tracker.get(event.schemaName, event.tableName)
    if (!tracked) return fail(unknownTable(event))
    if (tracked.columns.length !== event.columnCount) {
      return fail(
        new CutoverError({
          code: 'REPLICATE_SCHEMA_MISMATCH',
          stage: 'incremental',
          message: `A row event for ${event.schemaName}.${event.tableName} has ${event.columnCount} columns, but the job's schema history has ${tracked.columns.length} (${tracked.columns.map((c) => c.name).join(', ')}) at this binlog position: column count mismatch. Decoding it would put values into the wrong columns, so the job stopped.`,
          workaround:
            "The table was altered outside what the binlog shows (or before the job's start position). Start a new job from a fresh snapshot; set binlog_row_metadata=FULL on the source so every event names its columns.",
        }),
      )
    }
    internals.tableMap[(event as unknown as { tableId: number }).tableId] = {
      columnSchemas: columnSchemasFor(tracked),
      parentSchema: event.schemaName,
      tableName: event.tableName,
    }
    next()
  }

  let pending: { changes: RowChange[]; timestamp: number } | null = null

  function push(item: ReaderItem): void {
    if (finished) return
    queue.push(item)
    if (item.kind === 'rows') queuedRows += Math.max(1, item.changes.length)
    if (!paused && queuedRows >= maxQueuedRows && internals.connection) {
      internals.connection.pause()
      paused = true
    }
    wake?.()
  }

  function fail(error: CutoverError): void {
    if (finished) return
    push({ kind: 'error', error })
    finished = true
    zongji.stop()
  }

  function unknownTable(event: { schemaName: string; tableName: string }): CutoverError {
    return new CutoverError({
      code: 'REPLICATE_SCHEMA_UNKNOWN_TABLE',
      stage: 'incremental',
      message: `The binlog changes ${event.schemaName}.${event.tableName}, which is in the job's objects but not in its schema history.`,
      workaround: 'Start a new job from a fresh snapshot that includes the table.',
    })
  }

  const position = (end: number): BinlogPosition => ({
    file,
    position: end,
    gtidSet: executed ? executed.toString() : null,
  })

  function flushPart(end: BinlogPosition | null, timestamp: number, at: BinlogPosition = end!): void {
    const changes = pending?.changes ?? []
    push({ kind: 'rows', changes, end, at, timestamp: timestamp || pending?.timestamp || Date.now() })
    pending = end ? null : { changes: [], timestamp: pending?.timestamp ?? timestamp }
  }

  function addChanges(
    event: AnyBinlogEvent & {
      tableId: number
      rows: unknown[]
      numberOfColumns: number
      columns_present_bitmap?: Buffer
      columns_present_bitmap2?: Buffer
    },
    kind: ChangeKind,
  ): void {
    const table = decoded.get(event.tableId)
    if (!table)
      return fail(
        undecodable(
          `row changes for table id ${event.tableId} without their table map`,
          'Report this; the job resumes from its last checkpoint.',
        ),
      )
    if (
      !allColumnsPresent(event.columns_present_bitmap, event.numberOfColumns) ||
      (kind === 'update' && !allColumnsPresent(event.columns_present_bitmap2, event.numberOfColumns))
    ) {
      return fail(
        undecodable(
          `a ${kind.toUpperCase()} row event for ${table.ref.schema}.${table.ref.name} without every column (binlog_row_image is not FULL for it)`,
          'Set binlog_row_image=FULL on the source (globally, and in sessions that change it), then start a new job from a fresh snapshot: the rows changed with a partial image cannot be reproduced exactly.',
        ),
      )
    }
    const images: CellValue[][] = []
    for (const row of event.rows) {
      if (kind === 'update') {
        const { before, after } = row as { before: Record<string, unknown>; after: Record<string, unknown> }
        images.push(rowValues(table, before), rowValues(table, after))
      } else images.push(rowValues(table, row as Record<string, unknown>))
    }
    if (verifying) {
      const ours = verifying
      verifying = null
      const difference = compareImages(table, ours.images, images)
      if (difference) {
        return fail(
          new CutoverError({
            code: 'REPLICATE_DECODE_MISMATCH',
            stage: 'incremental',
            message: `Cutover's row decoder and zongji disagree on a row of ${table.ref.schema}.${table.ref.name}: ${difference}.`,
            workaround: 'Report this with the column type; unset CUTOVER_VERIFY_ROW_DECODING only once it is fixed.',
          }),
        )
      }
    }
    addImages(table, kind, images, event.timestamp, event.nextPosition)
  }

  /** Row images of one rows event (an update's in before/after pairs) as changes of the open transaction. */
  function addImages(
    table: DecodedTable,
    kind: ChangeKind,
    images: CellValue[][],
    timestamp: number,
    eventEnd: number,
  ): void {
    pending ??= { changes: [], timestamp }
    const step = kind === 'update' ? 2 : 1
    for (let i = 0; i < images.length; i += step) {
      pending.changes.push({
        kind,
        ref: table.ref,
        table: table.handle,
        columns: table.columns,
        before: kind === 'insert' ? null : images[i]!,
        after: kind === 'delete' ? null : images[i + step - 1]!,
      })
    }
    if (pending.changes.length >= partRows) flushPart(null, timestamp, position(eventEnd))
  }

  let verifying: DecodedRowsEvent | null = null

  /** Where an event packet's body ends: a checksum (when on) closes the event. */
  const bodyEnd = (packet: { end: number }) =>
    packet.end - ((zongji as unknown as { useChecksum?: boolean }).useChecksum ? 4 : 0)

  /** Each table id's last TableMap body (table id to the end, checksum excluded). */
  const tableMapBytes = new Map<number, Buffer>()

  /**
   * Every transaction repeats its TableMaps. One identical to the last one seen for its table id, of a table still
   * compiled (a DDL on it drops the compilation), changes nothing: it is skipped before zongji parses it.
   */
  function knownTableMap(packet: { buffer: Buffer; offset: number; end: number }): boolean {
    const start = packet.offset + 20
    const end = bodyEnd(packet)
    if (end - start < 8) return false
    const tableId = packet.buffer.readUIntLE(start, 6)
    const body = packet.buffer.subarray(start, end)
    if (tableMapBytes.get(tableId)?.equals(body)) return decoded.has(tableId)
    tableMapBytes.set(tableId, Buffer.from(body))
    return false
  }

  /**
   * Our decoder for the rows events of tables it compiled for: the packet goes straight to row images and zongji
   * never sees it. Returns false to leave the packet to zongji.
   */
  function decodeOurselves(packet: { buffer: Buffer; offset: number; end: number }, code: number): boolean {
    const { buffer, offset } = packet
    // 0x00 marker, then the 19-byte event header.
    if (buffer[offset] !== 0) return false
    const end = bodyEnd(packet)
    let rows: DecodedRowsEvent | null
    try {
      rows = decodeRowsEvent(code, buffer, offset + 20, end, (id) => decoded.get(id)?.fast ?? undefined)
    } catch {
      rows = null // zongji decodes it, or names what is wrong with it
    }
    if (!rows) return false
    if (verifyDecoding) {
      verifying = rows
      return false
    }
    // Event header after the marker: timestamp, type, server id, size, then the position where the event ends.
    const eventEnd = buffer.readUInt32LE(offset + 14)
    addImages(decoded.get(rows.tableId)!, rows.kind, rows.images, buffer.readUInt32LE(offset + 1) * 1000, eventEnd)
    return true
  }

  function commit(event: AnyBinlogEvent): void {
    flushPart(position(event.nextPosition), event.timestamp)
  }

  function onQuery(event: AnyBinlogEvent & { query: string; schema: string }): void {
    let effect: DdlEffect
    try {
      effect = tracker.applyStatement(event.query, event.schema)
    } catch (error) {
      return fail(
        error instanceof CutoverError
          ? error
          : undecodable(
              `a statement Cutover cannot follow: ${event.query.slice(0, 200)}`,
              'Report this with the statement.',
            ),
      )
    }
    switch (effect.kind) {
      case 'transaction': {
        const verb = event.query.trim().toUpperCase()
        if (verb === 'COMMIT' || verb === 'ROLLBACK') commit(event)
        else if (verb.startsWith('XA')) {
          // An XA transaction commits under a later statement; applying its rows at XA END could apply a rollback.
          if (verb.startsWith('XA START') || verb.startsWith('XA BEGIN') || verb.startsWith('XA END')) return
          return fail(
            undecodable(
              `an XA transaction (${event.query.slice(0, 80)})`,
              'Cutover does not replicate XA transactions; avoid XA on the migrated tables during the migration.',
            ),
          )
        }
        return
      }
      case 'dml':
        return fail(
          undecodable(
            `a statement-format data change${effect.table ? ` to ${effect.table.schema}.${effect.table.name}` : ''} (${event.query.slice(0, 120)})`,
            'Set binlog_format=ROW on the source globally (and in every session, e.g. SET SESSION binlog_format=ROW in applications that change it), then start a new job from a fresh snapshot.',
          ),
        )
      case 'ignore':
        // Still a transaction boundary: the checkpoint may move past it.
        pending = null
        return push({
          kind: 'rows',
          changes: [],
          end: position(event.nextPosition),
          at: position(event.nextPosition),
          timestamp: event.timestamp,
        })
      case 'apply':
        pending = null
        // Table ids of altered tables must be read again with the new definition.
        for (const id of Object.keys(internals.tableMap)) {
          const entry = internals.tableMap[Number(id)]
          if (entry && effect.tables.some((t) => t.schema === entry.parentSchema && t.name === entry.tableName)) {
            delete internals.tableMap[Number(id)]
            decoded.delete(Number(id))
          }
        }
        return push({
          kind: 'ddl',
          effect,
          defaultSchema: event.schema,
          end: position(event.nextPosition),
          timestamp: event.timestamp,
          trackedSchema: tracker.serialize(),
        })
    }
  }

  zongji.on('binlog', (event: AnyBinlogEvent) => {
    if (finished) return
    try {
      switch (event.getEventName()) {
        case 'rotate': {
          const rotate = event as unknown as { binlogName: string }
          file = rotate.binlogName
          return
        }
        case 'gtid':
        case 'mariadbgtid': {
          const gtid = event as unknown as {
            gtid?: string
            domainId?: number
            serverId?: number
            seqNo?: number | string
          }
          pending = { changes: [], timestamp: event.timestamp }
          if (executed && gtid.gtid) {
            const value =
              'domainId' in gtid && gtid.domainId !== undefined
                ? { domainId: gtid.domainId, serverId: gtid.serverId, seqNo: gtid.seqNo }
                : gtid.gtid
            pendingGtid = value
          }
          return
        }
        case 'anonymousgtid':
          pending = { changes: [], timestamp: event.timestamp }
          return
        case 'tablemap': {
          const map = event as unknown as TableMapEvent & {
            tableId: number
            _effectiveColumnType(index: number): number
          }
          const tracked = tracker.get(map.schemaName, map.tableName)
          if (!tracked) return fail(unknownTable(map))
          const entry = internals.tableMap[map.tableId]
          if (!entry) return
          // Every transaction repeats its TableMaps: check and compile once per table definition.
          const raw = map as unknown as { columnTypes?: number[]; columnsMetadata?: unknown[]; columnNames?: string[] }
          const signature = `${raw.columnTypes?.join(',')}|${JSON.stringify(raw.columnsMetadata ?? null)}|${raw.columnNames?.join(',') ?? ''}`
          const previous = decoded.get(map.tableId)
          if (
            previous &&
            previous.handle === tracked &&
            previous.columns === tracked.columns &&
            signatures.get(map.tableId) === signature
          )
            return
          decoded.set(map.tableId, prepareTable(map, entry, tracked))
          signatures.set(map.tableId, signature)
          return
        }
        case 'writerows':
          return addChanges(event as never, 'insert')
        case 'updaterows':
          return addChanges(event as never, 'update')
        case 'deleterows':
          return addChanges(event as never, 'delete')
        case 'xid':
          foldGtid()
          return commit(event)
        case 'query': {
          const q = event as unknown as { query: string }
          const verb = q.query.trim().toUpperCase()
          // A DDL (standalone group) and COMMIT both end a GTID group; BEGIN does not.
          if (verb !== 'BEGIN' && !verb.startsWith('XA START') && !verb.startsWith('XA END')) foldGtid()
          return onQuery(event as never)
        }
        case 'heartbeat': {
          const hb = event as unknown as { binlogName: string; position?: number; nextPosition: number }
          if (hb.binlogName) file = hb.binlogName
          return push({ kind: 'heartbeat', file: hb.binlogName || file, position: hb.position ?? hb.nextPosition })
        }
        case 'transactionpayload':
          return fail(
            undecodable(
              'a TRANSACTION_PAYLOAD_EVENT (binlog_transaction_compression=ON)',
              'Set binlog_transaction_compression=OFF on the source, then start a new job from a fresh snapshot.',
            ),
          )
        case 'partialupdaterows':
          return fail(
            undecodable(
              'a PARTIAL_UPDATE_ROWS_EVENT (binlog_row_value_options=PARTIAL_JSON)',
              "Set binlog_row_value_options='' on the source, then start a new job from a fresh snapshot.",
            ),
          )
        case 'xaprepare':
          return fail(
            undecodable(
              'an XA PREPARE event',
              'Cutover does not replicate XA transactions; avoid XA on the migrated tables during the migration.',
            ),
          )
        case 'unknown': {
          if (harmlessUnknownCodes.has(lastEventCode)) return
          const name = eventNames[lastEventCode] ?? `type ${lastEventCode}`
          return fail(
            undecodable(
              `an event of unknown type ${lastEventCode} (${name})`,
              'Report the event type; check the source for binlog settings that write it (e.g. an INCIDENT event after a failed statement), then start a new job from a fresh snapshot.',
            ),
          )
        }
        default:
          // format, previousgtids, mariadbgtidlist, binlogcheckpoint, annotaterows, rowsquery, intvar, startencryption.
          return
      }
    } catch (error) {
      fail(error instanceof CutoverError ? error : classifyReaderError(error))
    }
  })

  let pendingGtid: unknown = null
  function foldGtid(): void {
    if (executed && pendingGtid !== null) executed.add(pendingGtid as never)
    pendingGtid = null
  }

  zongji.on('error', (error: Error) => {
    // zongji's message for compressed transactions / partial JSON comes before the event: name it the same way.
    if (/TRANSACTION_PAYLOAD_EVENT|PARTIAL_UPDATE_ROWS_EVENT/.test(error.message))
      return fail(
        undecodable(
          error.message.split('.')[0]!,
          'Change the named source setting, then start a new job from a fresh snapshot.',
        ),
      )
    if (/schema changed between binlog event and metadata fetch|Unsupported type/i.test(error.message))
      return fail(
        undecodable(
          error.message,
          'Start a new job from a fresh snapshot; set binlog_row_metadata=FULL on the source.',
        ),
      )
    fail(classifyReaderError(error))
  })

  zongji.on('ready', () => {
    // Records each event's type code before zongji parses it: its `Unknown` events do not say which type they were.
    const proto = internals.BinlogClass?.prototype
    if (!proto) return
    const original = proto.binlogData
    proto.binlogData = function (packet, connection) {
      lastEventCode = packet.buffer[packet.offset + 5] ?? -1
      if (!finished && lastEventCode === tableMapEventCode && packet.buffer[packet.offset] === 0) {
        if (knownTableMap(packet as never)) return proto.binlogData
      } else if (!finished && isRowsEventCode(lastEventCode)) {
        try {
          if (decodeOurselves(packet as never, lastEventCode)) return proto.binlogData
        } catch (error) {
          fail(error instanceof CutoverError ? error : classifyReaderError(error))
          return proto.binlogData
        }
      }
      try {
        return original.call(this, packet, connection)
      } finally {
        verifying = null
      }
    }
  })

  const start = options.start
  try {
    if (seed) {
      executed = (seed.includes(':') ? GtidSet.parse(seed) : MariadbGtidPosition.parse(seed)) as never
    }
  } catch {
    executed = null
  }
  if ('file' in start) zongji.start({ serverId: options.serverId, filename: start.file, position: start.position })
  else zongji.start({ serverId: options.serverId, gtidSet: start.gtidSet })

  // Half-open detection: a lost route (no FIN, no RST) leaves the socket open and silent, and nothing else would end
  // it. Bytes read on the binlog socket count as life; while the socket is paused for back-pressure, silence is ours.
  const silentLimitMs = stallSeconds(options.heartbeatSeconds) * 1000
  let lastHeard = Date.now()
  let lastBytesRead = -1
  const watchdog = setInterval(
    () => {
      if (finished) return clearInterval(watchdog)
      const bytesRead = (internals.connection as { stream?: { bytesRead?: number } } | null)?.stream?.bytesRead ?? -1
      if (paused || bytesRead !== lastBytesRead) {
        lastBytesRead = bytesRead
        lastHeard = Date.now()
        return
      }
      const silentMs = Date.now() - lastHeard
      if (silentMs < silentLimitMs) return
      fail(
        new CutoverError({
          code: 'REPLICATE_CONNECTION_LOST',
          stage: 'incremental',
          retryable: true,
          message: `No binlog event or heartbeat from the source for ${(silentMs / 1000).toFixed(1)} s (a heartbeat is due every ${options.heartbeatSeconds ?? 1} s): the connection is half-open.`,
          workaround:
            'Cutover drops the connection and reconnects by itself from its last checkpoint; if this persists, check the network path to the source (VPN, firewall idle timeouts).',
        }),
      )
    },
    Math.min(1000, silentLimitMs / 4),
  )
  watchdog.unref()
  // Heartbeats while the source is idle keep "seconds behind" honest (0, not growing); queued before the dump.
  internals.connection?.query(
    `SET @master_heartbeat_period = ${Math.round((options.heartbeatSeconds ?? 1) * 1e9)}`,
    (error) => {
      if (error) fail(classifyReaderError(error))
    },
  )

  return {
    get queuedRows() {
      return queuedRows
    },
    async take(signal) {
      while (queue.length === 0) {
        if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted')
        await new Promise<void>((resolve) => {
          const done = () => {
            wake = null
            signal.removeEventListener('abort', done)
            resolve()
          }
          wake = done
          signal.addEventListener('abort', done, { once: true })
        })
      }
      const item = queue.shift()!
      if (item.kind === 'rows') queuedRows -= Math.max(1, item.changes.length)
      if (paused && queuedRows < maxQueuedRows / 2 && !finished) {
        paused = false
        internals.connection?.resume()
      }
      return item
    },
    async close() {
      finished = true
      clearInterval(watchdog)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000)
        zongji.once('stopped', () => {
          clearTimeout(timer)
          resolve()
        })
        zongji.stop()
      })
    },
  }
}

/**
 * The first column whose value differs between two decodings of the same row images, or null. Text may come as
 * its bytes from one decoder and as a decoded string from the other: both are compared as the string.
 */
function compareImages(table: DecodedTable, ours: CellValue[][], theirs: CellValue[][]): string | null {
  if (ours.length !== theirs.length) return `${ours.length} row images against ${theirs.length}`
  for (let r = 0; r < ours.length; r++) {
    for (let c = 0; c < table.columns.length; c++) {
      const column = table.columns[c]!
      let a = ours[r]![c] ?? null
      let b = theirs[r]![c] ?? null
      const textual = /char|text|json/.test(column.dataType) && column.charset !== 'binary'
      if (Buffer.isBuffer(a) !== Buffer.isBuffer(b) && textual) {
        const encoding = /^latin1/i.test(column.charset ?? '') ? 'latin1' : 'utf8'
        if (Buffer.isBuffer(a)) a = a.toString(encoding)
        if (Buffer.isBuffer(b)) b = b.toString(encoding)
      }
      const left = a === null ? 'NULL' : typeof a === 'string' && typeof b === 'string' ? a : cellLiteral(a, column)
      const right = b === null ? 'NULL' : typeof a === 'string' && typeof b === 'string' ? b : cellLiteral(b, column)
      if (left !== right)
        return `column ${column.name} (${column.columnType}): ${left.slice(0, 80)} against zongji's ${right.slice(0, 80)}`
    }
  }
  return null
}
