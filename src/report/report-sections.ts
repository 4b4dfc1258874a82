import type { Manifest, UnitRecord } from '../manifest.js';
import type { GroupRow } from './account-breakdown.js';
import { escapeHtml as h, formatBytes, formatDuration, formatTime, formatUsd } from './html-text.js';
import type { RunPoint } from './run-history.js';

/** A table from escaped cells: `head` and `rows` are text, never markup. */
export function table(head: string[], rows: (string | number)[][], cls = ''): string {
  const th = head.map((c) => `<th>${h(c)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${h(cls)}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const STATUS_TEXT: Partial<Record<string, string>> = {
  succeeded: 'Run succeeded: every unit answered',
  partial: 'Run partially succeeded: some units failed',
  failed: 'Run failed: no unit succeeded',
  interrupted: 'Run interrupted',
};

/** The status in words; a status this version does not know (a newer manifest) as written. */
export function statusText(status: string): string {
  return STATUS_TEXT[status] ?? `Run ${status}`;
}

function account(u: Pick<UnitRecord, 'accountId' | 'accountName'>): string {
  return u.accountName ? `${u.accountName} (${u.accountId})` : u.accountId;
}

/** The run's status and its numbers. */
export function statusSection(m: Manifest): string {
  const t = m.totals;
  const facts: [string, string | number | undefined][] = [
    ['Run id', m.runId],
    ['Started', formatTime(m.startedAt)],
    ['Ended', formatTime(m.endedAt)],
    ['Duration', formatDuration(m.durationMs)],
    ['Exit code', m.exitCode],
    ['Region', m.region],
    ['Config', m.configFile],
    ['Shard', m.shard && `${m.shard.index} of ${m.shard.count}`],
    [
      'Shards merged',
      m.shards &&
        `${m.shards.merged.length} of ${m.shards.count}` +
          (m.shards.missing.length ? `; missing ${m.shards.missing.join(', ')}` : '') +
          (m.shards.failed.length ? `; failed ${m.shards.failed.join(', ')}` : ''),
    ],
    [
      'Accounts',
      `${m.accounts.discovered} found, ${m.accounts.selected} queried, ${m.accounts.skipped.length} skipped`,
    ],
    [
      'Units',
      `${t.units}: ${t.succeeded} succeeded, ${t.failed} failed, ${t.cancelled} cancelled` +
        (t.timedOut ? `, ${t.timedOut} timed out` : ''),
    ],
    ['Rows', t.rows],
    ['Data scanned', formatBytes(t.dataScannedInBytes)],
    ['Estimated cost', t.estimatedCostUSD === undefined ? undefined : formatUsd(t.estimatedCostUSD)],
    ['AWS requests', m.awsCalls && `${m.awsCalls.requests} (${m.awsCalls.throttled} throttled)`],
  ];
  const dl = facts
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`)
    .join('');
  const runError = m.error
    ? `<p class="run-error">The run stopped before any unit could run: <span class="message">${h(m.error.message)}</span></p>`
    : '';
  return (
    `<section id="summary"><p id="status" class="status status-${h(m.status)}">${h(statusText(m.status))}</p>` +
    `${runError}<dl class="facts">${dl}</dl></section>`
  );
}

/** Units that did not succeed, outputs that could not be written, alerts that were not delivered. */
export function failuresSection(m: Manifest): string {
  const failed = m.units.filter((u) => u.state !== 'succeeded');
  const outputs = m.outputs.filter((o) => o.state === 'failed');
  const alerts = (m.notifications ?? []).filter((n) => n.state === 'failed');
  if (failed.length === 0 && outputs.length === 0 && alerts.length === 0 && !m.error) {
    return '<section id="failures"><h2>Failures</h2><p>None: every unit succeeded and every output was written.</p></section>';
  }
  const parts = ['<section id="failures"><h2>Failures</h2>'];
  if (failed.length) {
    parts.push(
      table(
        ['Account', 'OU', 'Region', 'Query', 'State', 'Attempts', 'Stage', 'AWS code', 'Message'],
        failed.map((u) => [
          account(u),
          u.ouPath ?? '',
          u.region ?? '',
          u.query,
          u.state,
          u.attempts,
          u.error?.stage ?? '',
          u.error?.awsCode ?? '',
          u.error?.message ?? '',
        ]),
        'failures',
      ),
    );
  }
  if (outputs.length) {
    parts.push(
      '<h3>Outputs not written</h3>',
      table(
        ['Query', 'Type', 'Path', 'Message'],
        outputs.map((o) => [o.query, o.type, o.path, o.error?.message ?? '']),
      ),
    );
  }
  if (alerts.length) {
    parts.push(
      '<h3>Alerts not delivered</h3>',
      table(
        ['Type', 'Target', 'Attempts', 'Message'],
        alerts.map((n) => [n.type, n.target, n.attempts, n.error ?? n.awsCode ?? String(n.httpStatus ?? '')]),
      ),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** The cost table of accounts or OUs. */
export function costTable(rows: GroupRow[], what: 'Account' | 'OU'): string {
  return table(
    [
      what,
      what === 'Account' ? 'Name' : 'Accounts',
      ...(what === 'Account' ? ['OU'] : []),
      'Units',
      'Failed',
      'Rows',
      'Scanned',
      'Cost',
    ],
    rows.map((r) => [
      r.key,
      r.label,
      ...(what === 'Account' ? [r.ouPath ?? ''] : []),
      r.units,
      r.failed,
      r.rows,
      formatBytes(r.dataScannedInBytes),
      formatUsd(r.estimatedCostUSD),
    ]),
  );
}

export function slowestSection(rows: GroupRow[]): string {
  if (rows.length === 0) return '';
  return (
    '<section id="slowest"><h2>Slowest accounts</h2>' +
    '<p class="note">From the start of an account’s first unit to the end of its last (role chain, waiting for slots, Athena, reading results).</p>' +
    table(
      ['Account', 'Name', 'OU', 'Elapsed', 'Longest unit', 'In Athena (sum)', 'Queued in Athena (sum)'],
      rows.map((r) => [
        r.key,
        r.label,
        r.ouPath ?? '',
        formatDuration(r.elapsedMs),
        r.longest ? `${r.longest.query}: ${formatDuration(r.longest.ms)}` : '',
        formatDuration(r.athenaMs),
        formatDuration(r.queuedMs),
      ]),
      'slowest',
    ) +
    '</section>'
  );
}

export function historyTable(runs: RunPoint[]): string {
  return table(
    ['Run id', 'Started', 'Status', 'Duration', 'Units', 'Not succeeded', 'Scanned', 'Cost'],
    [...runs]
      .reverse()
      .map((r) => [
        r.runId,
        formatTime(r.startedAt),
        r.status,
        formatDuration(r.durationMs),
        r.units,
        r.failed,
        formatBytes(r.dataScannedInBytes),
        formatUsd(r.estimatedCostUSD),
      ]),
  );
}

export function skippedSection(m: Manifest): string {
  const s = m.accounts.skipped;
  if (s.length === 0) return '';
  return (
    `<section id="skipped"><h2>Skipped accounts (${s.length})</h2>` +
    table(
      ['Account', 'OU', 'State', 'Reason'],
      s.map((a) => [account(a), a.ouPath ?? '', a.state ?? '', a.reason]),
    ) +
    '</section>'
  );
}

export function warningsSection(m: Manifest): string {
  if (m.warnings.length === 0) return '';
  return `<section id="warnings"><h2>Warnings</h2><ul>${m.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul></section>`;
}
