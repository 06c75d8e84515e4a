/** A binlog position: file + offset, and the GTID set (MySQL `uuid:1-5` or MariaDB `0-1-100`) when the source has one. */
export interface BinlogPosition {
  file: string
  position: number
  gtidSet: string | null
}
