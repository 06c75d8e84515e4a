import { describe, expect, it } from 'vitest'
import { parseRouteHash, routeHash, sameRoute } from './routes'

describe('routes in the URL hash', () => {
  it('reads the three places, a job by name or id, and nothing else', () => {
    expect(parseRouteHash('')).toEqual({ page: 'jobs' })
    expect(parseRouteHash('#/')).toEqual({ page: 'jobs' })
    expect(parseRouteHash('#/jobs')).toEqual({ page: 'jobs' })
    expect(parseRouteHash('#/create')).toEqual({ page: 'create' })
    expect(parseRouteHash('#/jobs/orders-to-tidb')).toEqual({ page: 'job', ref: 'orders-to-tidb' })
    expect(parseRouteHash('#/jobs/a%20b%2Fc')).toEqual({ page: 'job', ref: 'a b/c' })
    expect(parseRouteHash('#main')).toBeNull()
    expect(parseRouteHash('#/jobs/a/b')).toBeNull()
    expect(parseRouteHash('#/jobs/%E0%A4%A')).toBeNull()
  })

  it('writes a job by its name where known, else its id, and reads back what it wrote', () => {
    expect(routeHash({ page: 'jobs' })).toBe('#/jobs')
    expect(routeHash({ page: 'create' })).toBe('#/create')
    expect(routeHash({ page: 'job', id: 'j1' })).toBe('#/jobs/j1')
    expect(routeHash({ page: 'job', id: 'j1' }, 'a b/c')).toBe('#/jobs/a%20b%2Fc')
    expect(parseRouteHash(routeHash({ page: 'job', id: 'j1' }, 'a b/c'))).toEqual({ page: 'job', ref: 'a b/c' })
  })

  it('tells routes apart by page and job', () => {
    expect(sameRoute({ page: 'job', id: 'a' }, { page: 'job', id: 'a' })).toBe(true)
    expect(sameRoute({ page: 'job', id: 'a' }, { page: 'job', id: 'b' })).toBe(false)
    expect(sameRoute({ page: 'jobs' }, { page: 'create' })).toBe(false)
  })
})
