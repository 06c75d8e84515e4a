import type { StateCreator } from 'zustand'
import type { AppInfo } from '../../../shared/ipc/contract'
import { call } from '../api'
import type { Store } from './store'

export type Theme = 'light' | 'dark'

/** The app has three places; a route is plain state so that every page transition is one `set`. */
export type Route = { page: 'jobs' } | { page: 'create' } | { page: 'job'; id: string }

export interface AppSlice {
  info: AppInfo | null
  theme: Theme
  route: Route
  loadInfo: () => Promise<void>
  toggleTheme: () => void
  navigate: (route: Route) => void
}

const themeKey = 'cutover.theme'

function initialTheme(): Theme {
  // The theme is a display preference, not a secret: localStorage is the right place for it.
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(themeKey)
  if (saved === 'light' || saved === 'dark') return saved
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

export const createAppSlice: StateCreator<Store, [], [], AppSlice> = (set, get) => ({
  info: null,
  theme: initialTheme(),
  route: { page: 'jobs' },
  loadInfo: async () => set({ info: await call('app:info', {}) }),
  toggleTheme: () => {
    const theme = get().theme === 'dark' ? 'light' : 'dark'
    localStorage.setItem(themeKey, theme)
    set({ theme })
  },
  navigate: (route) => set({ route }),
})
