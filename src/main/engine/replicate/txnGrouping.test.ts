import { describe, expect, it } from 'vitest'
import { createCausality } from './causality'
import { chunkLength, defaultTxnCapBytes, rowBytes, txnCapFor, unitWorker, type GroupUnit } from './txnGrouping'

const unit = (rows: number, bytes: number, last = true): GroupUnit => ({ rows, bytes, last })
const MiB = 1024 * 1024

describe('chunkLength', () => {
  it('groups whole small transactions up to the batch size', () => {
    const queue = Array.from({ length: 10 }, () => unit(500, 1000))
    expect(chunkLength(queue, 0, 2000, MiB)).toBe(4)
  })

  it('takes a transaction larger than the batch size as one unit', () => {
    expect(chunkLength([unit(3000, 1000), unit(5, 10)], 0, 2000, MiB)).toBe(1)
  })

  it('stops before a unit that would take the open target transaction over the cap', () => {
    expect(chunkLength([unit(10, 400), unit(10, 400), unit(10, 400)], 0, 2000, 1000)).toBe(2)
    expect(chunkLength([unit(10, 400, false)], 700, 2000, 1000), 'commit first').toBe(0)
  })

  it('always takes one unit when nothing is open, even one over the cap', () => {
    expect(chunkLength([unit(2000, 5000, false)], 0, 2000, 1000)).toBe(1)
  })

  it('takes nothing from an empty queue', () => {
    expect(chunkLength([], 0, 2000, MiB)).toBe(0)
  })
})

describe('unitWorker', () => {
  const leastLoaded = () => 3

  it('sends a transaction with no key in flight to the least loaded worker', () => {
    const c = createCausality()
    expect(unitWorker(c.route(['a', 'b']), null, leastLoaded)).toBe(3)
  })

  it('sends a transaction to the worker holding any of its keys', () => {
    const c = createCausality()
    c.acquire(['b'], 1)
    expect(unitWorker(c.route(['a', 'b']), null, leastLoaded)).toBe(1)
  })

  it('makes a transaction whose keys are held by two workers wait until one of them commits', () => {
    const c = createCausality()
    c.acquire(['a'], 0)
    c.acquire(['b'], 2)
    expect(unitWorker(c.route(['a', 'b']), null, leastLoaded)).toBeNull()
    c.release(['b'])
    expect(unitWorker(c.route(['a', 'b']), null, leastLoaded)).toBe(0)
  })

  it("keeps a transaction's further parts on the worker of its first, once no other worker holds their keys", () => {
    const c = createCausality()
    c.acquire(['first'], 2)
    expect(unitWorker(c.route(['next']), 2, leastLoaded)).toBe(2)
    expect(unitWorker(c.route(['first', 'next']), 2, leastLoaded)).toBe(2)
    c.acquire(['elsewhere'], 1)
    expect(unitWorker(c.route(['elsewhere']), 2, leastLoaded)).toBeNull()
    c.release(['elsewhere'])
    expect(unitWorker(c.route(['elsewhere']), 2, leastLoaded)).toBe(2)
  })
})

describe('rowBytes', () => {
  it('counts text and binary by length, other values as 8 bytes, NULL as 1', () => {
    expect(rowBytes(['abc', Buffer.alloc(10), 42, null])).toBe(3 + 10 + 8 + 1)
    expect(rowBytes(null)).toBe(0)
  })
})

describe('txnCapFor', () => {
  it("leaves half of TiDB's txn-total-size-limit for row data, at most 64 MiB", () => {
    expect(txnCapFor(true, 100 * MiB)).toBe(50 * MiB)
    expect(txnCapFor(true, 10 * MiB)).toBe(5 * MiB)
    expect(txnCapFor(true, 10_000 * MiB)).toBe(defaultTxnCapBytes)
  })

  it("assumes TiDB's default limit (100 MB) when the setting cannot be read", () => {
    expect(txnCapFor(true, null)).toBe(50 * MiB)
  })

  it('uses the default cap on MariaDB', () => {
    expect(txnCapFor(false, null)).toBe(defaultTxnCapBytes)
  })
})
