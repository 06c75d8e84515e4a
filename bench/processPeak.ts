/**
 * Peak resident memory of a child process, read from /proc/<pid>/status (VmHWM, the kernel's high-water
 * mark) while it runs: Node cannot get a child's rusage, and the last sample before exit holds the peak.
 */
import { readFileSync } from 'node:fs'
import type { ChildProcess } from 'node:child_process'

export function trackPeakRss(child: ChildProcess, everyMs = 100): { peakBytes(): number; stop(): void } {
  let peak = 0
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const match = /VmHWM:\s+(\d+) kB/.exec(status)
      if (match) peak = Math.max(peak, Number(match[1]) * 1024)
    } catch {
      // The process has exited; the last sample stands.
    }
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    peakBytes: () => peak,
    stop: () => clearInterval(timer),
  }
}

/** CPU seconds (user + system) a live process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | 'self'): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** CPU seconds used by this process's children that have exited and been waited for (cutime + cstime). */
export function exitedChildrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[13]) + Number(fields[14])) / 100
}
