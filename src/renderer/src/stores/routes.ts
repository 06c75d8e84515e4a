/**
 * The route in the page's URL, as a hash (`#/jobs`, `#/jobs/<name-or-id>`, `#/create`): a hash changes nothing the
 * page was loaded from, so it works the same under Electron's `file://` and under the bridge, whose path carries
 * its token. Back and forward move between routes, and a reload opens the route it left.
 */
import type { Route } from './appSlice'

/** A route as the URL names it: a job by name or id, resolved to its id before the page shows it. */
export type RouteRef = { page: 'jobs' } | { page: 'create' } | { page: 'job'; ref: string }

export function parseRouteHash(hash: string): RouteRef | null {
  const path = hash.replace(/^#\/?/, '')
  if (path === '' || path === 'jobs' || path === 'jobs/') return { page: 'jobs' }
  if (path === 'create') return { page: 'create' }
  const job = /^jobs\/([^/]+)\/?$/.exec(path)
  if (job) {
    try {
      return { page: 'job', ref: decodeURIComponent(job[1]!) }
    } catch {
      return null
    }
  }
  return null
}

/** `jobName`: the job's name where it is known, which reads better in the URL than its id. */
export function routeHash(route: Route, jobName?: string): string {
  switch (route.page) {
    case 'jobs':
      return '#/jobs'
    case 'create':
      return '#/create'
    case 'job':
      return `#/jobs/${encodeURIComponent(jobName ?? route.id)}`
  }
}

export function sameRoute(a: Route, b: Route): boolean {
  return a.page === b.page && (a.page !== 'job' || (b.page === 'job' && a.id === b.id))
}
