/**
 * Cells as Cutover reads them for validation (raw bytes, character_set_results = binary): the normal form of a
 * `client` column (columnDigest.ts), and the SQL literal a repair statement writes a cell back with.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { DigestKind } from './columnDigest'

/**
 * A JSON document in a form both engines' texts reach: members sorted by key (TiDB sorts them, MariaDB keeps the
 * order written), no whitespace, strings re-escaped one way, integers exactly as digits (a JSON integer may exceed
 * 2^53), other numbers as the double they denote, marked so that `1` and `1.0` stay apart as the engines keep them.
 */
export function normalJson(text: string): string {
  let at = 0
  const fail = (): never => {
    throw new Error(`not a JSON document at offset ${at}`)
  }
  const space = () => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\n' || text[at] === '\r' || text[at] === '\t')) at++
  }
  const string = (): string => {
    const from = at
    at++
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1
    if (at >= text.length) fail()
    at++
    return JSON.stringify(JSON.parse(text.slice(from, at)) as string)
  }
  const value = (): string => {
    space()
    const c = text[at]
    if (c === '"') return string()
    if (c === '{' || c === '[') {
      const object = c === '{'
      at++
      const items: string[] = []
      space()
      if (text[at] === (object ? '}' : ']')) {
        at++
        return object ? '{}' : '[]'
      }
      for (;;) {
        space()
        if (object) {
          if (text[at] !== '"') fail()
          const name = string()
          space()
          if (text[at++] !== ':') fail()
          items.push(`${name}:${value()}`)
        } else items.push(value())
        space()
        const next = text[at++]
        if (next === (object ? '}' : ']')) break
        if (next !== ',') fail()
      }
      if (object) items.sort()
      return object ? `{${items.join(',')}}` : `[${items.join(',')}]`
    }
    const word = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(at, at + 400))?.[0]
    if (word === undefined) return fail()
    at += word.length
    if (/^-?\d+$/.test(word)) return BigInt(word).toString()
    if (/^-?\d/.test(word)) return `${Number(word)}f`
    return word
  }
  const out = value()
  space()
  if (at !== text.length) fail()
  return out
}

/** A `client` cell in the form compared on both sides. */
export function normalCell(cell: Buffer | null, kind: DigestKind): string | null {
  if (cell === null) return null
  if (kind === 'float') return String(Number(cell.toString('latin1')))
  if (kind === 'json') return normalJson(cell.toString('utf8'))
  return cell.toString('hex')
}

const numberText: Partial<Record<DigestKind, RegExp>> = {
  integer: /^-?\d+$/,
  unsigned: /^\d+$/,
  decimal: /^-?\d+(\.\d+)?$/,
  float: /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/,
}

/** The literal that writes a cell (as read by `DigestColumn.read`) back into a column of this kind. */
export function sqlLiteral(cell: Buffer | null, kind: DigestKind): string {
  if (cell === null) return 'NULL'
  const pattern = numberText[kind]
  if (pattern) {
    const text = cell.toString('latin1')
    if (!pattern.test(text)) {
      throw new CutoverError({
        code: 'VALIDATE_UNEXPECTED_VALUE',
        message: `A ${kind} value read for a repair statement is not a number: ${JSON.stringify(text.slice(0, 40))}.`,
        workaround: 'Report this value; the repair statement for its row is left out.',
      })
    }
    return text
  }
  if (kind === 'temporal') return `'${cell.toString('latin1').replace(/[^0-9:. -]/g, '')}'`
  if (kind === 'binary') return `X'${cell.toString('hex')}'`
  // Text and JSON are read as utf8mb4 bytes: the introducer makes the target convert them to the column's charset.
  return `_utf8mb4 X'${cell.toString('hex')}'`
}
