import { useEffect, useRef } from 'react'
import { formatDuration } from '../../units'

/** A once-a-second clock written straight to the DOM: a ticking label is no reason to re-render a page. */
export function Elapsed({ since, until }: { since: string | null; until: string | null }) {
  const ref = useRef<HTMLSpanElement>(null)
  useEffect(() => {
    const paint = () => {
      if (!ref.current) return
      if (!since) return void (ref.current.textContent = '—')
      const end = until ? Date.parse(until) : Date.now()
      ref.current.textContent = formatDuration((end - Date.parse(since)) / 1000)
    }
    paint()
    if (until || !since) return
    const timer = setInterval(paint, 1000)
    return () => clearInterval(timer)
  }, [since, until])
  return <span ref={ref} />
}
