/** One bound store made of slices; components read it through narrow selectors. */
import { create } from 'zustand'
import type { AppSlice } from './appSlice'
import { createAppSlice } from './appSlice'
import type { JobsSlice } from './jobsSlice'
import { createJobsSlice } from './jobsSlice'

export type Store = AppSlice & JobsSlice

export const useStore = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createJobsSlice(...a),
}))
