import type { StateCreator } from 'zustand'
import type { AppInfo } from '../../../shared/ipc/contract'
import { call } from '../api'
import { parseRouteHash, routeHash, sameRoute } from './routes'
import type { Store } from './store'

export type Theme = 'light' | 'dark'

/**
 * The app has three places; a route is plain state so that every page transition is one `set`, mirrored in the
 * URL's hash (routes.ts) so that back, forward and a reload keep the page.
 */
export type Route = { page: 'jobs' } | { page: 'create' } | { page: 'job'; id: string }

export interface AppSlice {
  info: AppInfo | null
  theme: Theme
  route: Route
  loadInfo: () => Promise<void>
  toggleTheme: () => void
  /** `replace`: the page left cannot be gone back to (a job just deleted). */
  navigate: (route: Route, options?: { replace?: boolean }) => void
  /** Shows the route the URL names (on load, back and forward); a job named by its name is resolved to its id. */
  followLocation: () => Promise<void>
}

const themeKey = 'cutover.theme'

function initialTheme(): Theme {
  // The theme is a display preference, not a secret: localStorage is the right place for it.
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(themeKey)
  if (saved === 'light' || saved === 'dark') return saved
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

const hasLocation = typeof location !== 'undefined' && typeof history !== 'undefined'

/** The route the URL names when the page loads; a job is shown by the name or id in the URL until it is resolved. */
function initialRoute(): Route {
  const parsed = hasLocation ? parseRouteHash(location.hash) : null
  if (parsed === null) return { page: 'jobs' }
  return parsed.page === 'job' ? { page: 'job', id: parsed.ref } : parsed
}

export const createAppSlice: StateCreator<Store, [], [], AppSlice> = (set, get) => {
  const jobName = (route: Route): string | undefined => {
    if (route.page !== 'job') return undefined
    const { jobs, report } = get()
    return jobs.find((j) => j.id === route.id)?.name ?? (report?.job.id === route.id ? report.job.name : undefined)
  }

  async function resolveJob(ref: string): Promise<string> {
    const { jobs } = get()
    const known = jobs.find((j) => j.id === ref) ?? jobs.find((j) => j.name === ref)
    if (known) return known.id
    try {
      return (await call('job:status', { id: ref })).job.id
    } catch {
      // The details page reads it again and shows why it cannot (a job deleted since the URL was written).
      return ref
    }
  }

  let following = 0
  return {
    info: null,
    theme: initialTheme(),
    route: initialRoute(),
    loadInfo: async () => set({ info: await call('app:info', {}) }),
    toggleTheme: () => {
      const theme = get().theme === 'dark' ? 'light' : 'dark'
      localStorage.setItem(themeKey, theme)
      set({ theme })
    },
    navigate: (route, options = {}) => {
      following++
      set({ route })
      if (!hasLocation) return
      const hash = routeHash(route, jobName(route))
      if (location.hash === hash) return
      if (options.replace) history.replaceState(null, '', hash)
      else history.pushState(null, '', hash)
    },
    followLocation: async () => {
      if (!hasLocation) return
      const turn = ++following
      const parsed = parseRouteHash(location.hash)
      const route: Route =
        parsed === null
          ? get().route
          : parsed.page === 'job'
            ? { page: 'job', id: await resolveJob(parsed.ref) }
            : parsed
      // A navigation while the job was being resolved wins.
      if (turn !== following) return
      if (!sameRoute(route, get().route)) set({ route })
      // An empty or unknown hash is replaced by the route shown; a job's name or id stays as the URL gave it.
      if (parsed?.page === 'job') return
      const hash = routeHash(route)
      if (location.hash !== hash) history.replaceState(null, '', hash)
    },
  }
}
