/** The migration report as one self-contained HTML page (htmlPage.ts) a consultant can hand over. */
import { rowKeyText } from '../../../shared/domain/validation'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { MigrationReport, ReportEntry } from '../../../shared/domain/report'
import { escapeHtml as e, htmlDocument } from '../htmlPage'

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const count = (n: number) => n.toLocaleString('en-US')
const position = (p: BinlogPosition | null) =>
  p ? `<code>${e(p.file)}:${p.position}</code>${p.gtidSet ? ` (GTID <code>${e(p.gtidSet)}</code>)` : ''}` : '—'
const seconds = (s: number | null) =>
  s === null
    ? '—'
    : s < 120
      ? `${s.toFixed(1)} s`
      : s < 7200
        ? `${(s / 60).toFixed(1)} min`
        : `${(s / 3600).toFixed(1)} h`

function entries(title: string, list: ReportEntry[], empty: string): string {
  if (list.length === 0) return `<h2>${e(title)}</h2><p class="meta">${e(empty)}</p>`
  const rows = list
    .map(
      (x) =>
        `<tr><td class="id">${e(x.time)}</td><td><code>${e(x.code ?? '')}</code></td><td>${e(x.message)}</td></tr>`,
    )
    .join('\n')
  return `<h2>${e(title)} (${list.length})</h2><table><thead><tr><th>Time (UTC)</th><th>Code</th><th>What</th></tr></thead><tbody>${rows}</tbody></table>`
}

export function renderReportHtml(r: MigrationReport): string {
  const c = r.cutover
  const cutover = c
    ? `<table class="kv">
<tr><th>Final position</th><td>${position(c.position)}</td></tr>
<tr><th>Cut over at</th><td>${e(c.finishedAt)} (UTC)</td></tr>
<tr><th>Write freeze</th><td>${e(c.freeze)}, ${seconds(c.freezeMs / 1000)}${c.sourceReadOnly ? '; the source was left read_only = ON' : ''}</td></tr>
<tr><th>Final validation</th><td>${e(c.validation.status)} (${c.validation.tables} tables, scope ${e(c.validation.scope)})</td></tr>
<tr><th>Rows</th><td>${count(c.rowsCopied)} copied, ${count(c.rowsReplicated)} row changes replicated</td></tr>
</table>`
    : `<p class="meta">Not cut over (status ${e(r.job.status)}).</p>`
  const stages = r.stages
    .map(
      (s) =>
        `<tr><td>${e(s.name)}</td><td class="id">${e(s.startedAt ?? '—')}</td><td class="id">${e(s.endedAt ?? (s.startedAt ? 'running' : '—'))}</td><td class="n">${seconds(s.seconds)}</td><td class="n">${s.rows === null ? '' : count(s.rows)}</td><td class="n">${s.rowsPerSecond === null ? '' : count(s.rowsPerSecond)}</td><td class="n">${s.bytesPerSecond === null ? '' : `${mib(s.bytesPerSecond)}/s`}</td></tr>`,
    )
    .join('\n')
  const tables = r.tables
    .map(
      (t) =>
        `<tr><td><code>${e(t.table)}</code></td><td class="n">${count(t.rowsCopied)}</td><td class="n">${mib(t.bytesCopied)}</td><td class="n">${count(t.rowChangesReplicated)}</td><td>${t.created === null ? '' : t.created ? 'created by the job' : 'existed'}</td></tr>`,
    )
    .join('\n')
  const v = r.validations.last
  const validation = v
    ? `<p><span class="badge ${v.status === 'equal' ? 'pass' : 'failed'}">${e(v.status)}</span> ${e(v.finishedAt ?? v.startedAt)} — ${count(v.rowsCompared)} rows compared${v.whileReplicating ? ' while replicating' : ''}; ${r.validations.count} validation${r.validations.count === 1 ? '' : 's'} in all.${v.repairSqlPath ? ` Repair SQL: <code>${e(v.repairSqlPath)}</code>` : ''}</p>
<table><thead><tr><th>Table</th><th>Result</th><th class="n">Source rows</th><th class="n">Target rows</th><th class="n">Missing / extra / different</th><th>Notes</th></tr></thead><tbody>
${v.tables
  .map(
    (t) =>
      `<tr><td><code>${e(t.table)}</code></td><td><span class="badge ${t.status === 'equal' ? 'pass' : 'failed'}">${e(t.status)}</span></td><td class="n">${count(t.sourceRows)}</td><td class="n">${count(t.targetRows)}</td><td class="n">${t.missing} / ${t.extra} / ${t.different}</td><td>${t.notes.map(e).join('<br>')}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
    : '<p class="meta">The job was never validated.</p>'
  const cv = r.validations.continuous
  const continuous = cv
    ? `<h3>Changed rows, compared continuously</h3>
<p><span class="badge ${cv.failed === 0 ? 'pass' : 'failed'}">${cv.failed === 0 ? 'no difference' : `${count(cv.failed)} rows differ`}</span> ${count(cv.checked)} compared equal, ${count(cv.pending)} waiting (as of ${e(cv.updatedAt)}).</p>
${cv.notFollowed.map((n) => `<p class="meta">${e(n.table)}: ${count(n.rows)} changed rows not followed (${e(n.reason)}).</p>`).join('\n')}
${
  cv.failedRows.length === 0
    ? ''
    : `<table><thead><tr><th>Table</th><th>Row</th><th>Difference</th><th>Found</th></tr></thead><tbody>${cv.failedRows
        .map(
          (f) =>
            `<tr><td><code>${e(f.table)}</code></td><td><code>${e(
              rowKeyText(f.key),
            )}</code></td><td>${e(f.kind)}${f.columns.length > 0 ? ` (${e(f.columns.join(', '))})` : ''}</td><td>${e(f.foundAt)}</td></tr>`,
        )
        .join('\n')}</tbody></table>`
}`
    : ''
  const accepted =
    r.warningsAccepted.length === 0
      ? '<p class="meta">None.</p>'
      : `<table><thead><tr><th>Check</th><th>Finding and fix</th></tr></thead><tbody>${r.warningsAccepted
          .map(
            (w) =>
              `<tr><td><code>${e(w.item)}</code></td><td>${e(w.message)}${w.fix ? `<pre>${e(w.fix)}</pre>` : ''}</td></tr>`,
          )
          .join('\n')}</tbody></table>`
  return htmlDocument(
    `Migration report: ${r.job.name}`,
    `<h1>Migration report: ${e(r.job.name)}</h1>
<p class="meta">Generated ${e(r.generatedAt)} (UTC) by Cutover</p>
<table class="kv">
<tr><th>Status</th><td>${e(r.job.status)}</td></tr>
<tr><th>Source</th><td>${e(r.job.source)}</td></tr>
<tr><th>Target</th><td>${e(r.job.target)}</td></tr>
<tr><th>Migration</th><td>${e(r.job.type)} data, ${e(r.job.mode)} mode; objects: ${e(r.job.objects)}</td></tr>
<tr><th>Created / started / ended</th><td>${e(r.job.createdAt)} / ${e(r.job.startedAt ?? '—')} / ${e(r.job.finishedAt ?? '—')}</td></tr>
<tr><th>Migrated</th><td>${r.totals.tables} tables, ${count(r.totals.rowsCopied)} rows (${mib(r.totals.bytesCopied)}) copied, ${count(r.totals.rowChangesReplicated)} row changes replicated</td></tr>
<tr><th>Snapshot position</th><td>${position(r.positions.snapshot)}</td></tr>
<tr><th>Applied position</th><td>${position(r.positions.applied)}</td></tr>
</table>
<h2>Cutover</h2>
${cutover}
<h2>Stages</h2>
<table><thead><tr><th>Stage</th><th>Started</th><th>Ended</th><th class="n">Duration</th><th class="n">Rows</th><th class="n">Rows/s</th><th class="n">Throughput</th></tr></thead><tbody>
${stages}
</tbody></table>
<p class="meta">Durations are wall-clock, pauses included.</p>
<h2>Validation</h2>
${validation}
${continuous}
${entries('Schema rewrites', r.rewrites, 'The schema was created as the source has it: no rewrite.')}
${entries('Not migrated, or with semantics lost', r.notMigrated, 'Nothing.')}
<h2>Precheck warnings accepted</h2>
${accepted}
${entries('DDL decisions', r.decisions, 'No replicated DDL was skipped or replaced.')}
${entries('Warnings while running', r.warnings, 'None.')}
<h2>Tables</h2>
<table><thead><tr><th>Table</th><th class="n">Rows copied</th><th class="n">Size copied</th><th class="n">Row changes replicated</th><th>Target table</th></tr></thead><tbody>
${tables}
</tbody></table>`,
  )
}
