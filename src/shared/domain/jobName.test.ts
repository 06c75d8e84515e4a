import { describe, expect, it } from 'vitest'
import { jobConfigSchema, jobNameProblem } from './job'

describe('job name problems', () => {
  it('names the character or the length that breaks the rule', () => {
    expect(jobNameProblem('shop-to-tidb_2')).toBeNull()
    expect(jobNameProblem('')).toBe('is empty; it must start with a letter')
    expect(jobNameProblem('9lives')).toBe('starts with "9"; it must start with a letter')
    expect(jobNameProblem('_x')).toBe('starts with "_"; it must start with a letter')
    expect(jobNameProblem('shop to tidb')).toBe('has a space at position 5; use only letters, digits, _ and -')
    expect(jobNameProblem('shop.orders')).toBe('has a dot at position 5; use only letters, digits, _ and -')
    expect(jobNameProblem('café')).toBe('has "é" at position 4; use only letters, digits, _ and -')
    expect(jobNameProblem('a'.repeat(59))).toBeNull()
    expect(jobNameProblem('a'.repeat(60))).toBe('is 60 characters long; it must be under 60')
  })

  it('is the job schema’s message too', () => {
    const result = jobConfigSchema.safeParse({
      name: 'a b',
      source: { host: 's', user: 'u' },
      target: { host: 't', user: 'r' },
    })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe(
      'the job name has a space at position 2; use only letters, digits, _ and -',
    )
  })
})
