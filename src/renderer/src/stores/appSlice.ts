import type { StateCreator } from 'zustand'
import type { AppInfo } from '../../../shared/ipc/contract'
import { call } from '../api'
import type { Store } from './store'

export type Theme = 'light' | 'dark'

export interface AppSlice {
  info: AppInfo | null
  theme: Theme
  loadInfo: () => Promise<void>
  toggleTheme: () => void
}

const prefersDark = () => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches

export const createAppSlice: StateCreator<Store, [], [], AppSlice> = (set, get) => ({
  info: null,
  theme: prefersDark() ? 'dark' : 'light',
  loadInfo: async () => set({ info: await call('app:info', {}) }),
  toggleTheme: () => set({ theme: get().theme === 'dark' ? 'light' : 'dark' }),
})
