import type { MinuteFigures } from '@pigeonhole/app-runtime';
import { formatAge, formatBytes, html, type Html } from './html.js';
import type { Role } from './auth.js';
import type { MessageSummary, RecipientSummary } from './store-view.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
header{background:#1d2433;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#c9d4ff;text-decoration:none}header h1{font-size:18px;margin:0}
main{padding:16px 24px;max-width:1100px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 24px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e3e6eb}th{background:#eef0f4}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin:8px 0 24px}
.figure{background:#fff;padding:12px;border-radius:6px;border:1px solid #e3e6eb}
.figure b{display:block;font-size:22px}.figure span{color:#5b6478;font-size:12px}
form{display:inline}button{cursor:pointer}.empty{color:#5b6478}`;

/** The page frame: header with navigation, then `body`. */
export function layout(
  title: string,
  body: Html,
  options: { refreshSeconds?: number } = {},
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title} · Pigeonhole</title>
        ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ''}
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <h1>Pigeonhole</h1>
          <a href="/">Stored messages</a><a href="/queues">Queues</a><a href="/metrics">Metrics</a>
        </header>
        <main>${body}</main>
      </body>
    </html>`.text;
}

/** Live figures, summed over every instance: the last full minute and the last 15 minutes. */
export function figuresSection(minutes: readonly MinuteFigures[], activeSessions: number): Html {
  const lastFull = minutes.at(-2)?.values;
  const sum = (figure: keyof MinuteFigures['values']): number =>
    minutes.reduce((total, m) => total + m.values[figure], 0);
  const tile = (label: string, value: string, note: string): Html =>
    html`<div class="figure"><span>${label}</span><b>${value}</b><span>${note}</span></div>`;
  const perMinute = (figure: keyof MinuteFigures['values'], label: string): Html =>
    tile(label, String(lastFull?.[figure] ?? 0), `last full minute · ${sum(figure)} in 15 min`);
  return html`<h2>Live</h2>
    <div class="figures">
      ${perMinute('stored', 'Stored')}${perMinute('delivered', 'Delivered')}${perMinute('expired', 'Expired')}
      ${perMinute('declined', 'Declined')}
      ${tile('MSRP in', formatBytes(lastFull?.msrp_bytes_in ?? 0), `last full minute · ${formatBytes(sum('msrp_bytes_in'))} in 15 min`)}
      ${tile('MSRP out', formatBytes(lastFull?.msrp_bytes_out ?? 0), `last full minute · ${formatBytes(sum('msrp_bytes_out'))} in 15 min`)}
      ${tile('Active MSRP sessions', String(activeSessions), 'now')}
    </div>`;
}

/** Recipients with stored messages. */
export function recipientsSection(recipients: readonly RecipientSummary[], now: number): Html {
  if (recipients.length === 0)
    return html`<h2>Stored messages</h2>
      <p class="empty" id="no-recipients">No stored messages.</p>`;
  const rows = recipients.map(
    (r) =>
      html`<tr data-aor="${r.aor}">
        <td><a href="/recipients/${encodeURIComponent(r.aor)}">${r.aor}</a></td>
        <td class="n">${r.count}</td>
        <td class="n">${formatBytes(r.bytes)}</td>
        <td class="n">
          ${r.oldestCreatedAt === undefined ? '' : formatAge(now - r.oldestCreatedAt)}
        </td>
      </tr>`,
  );
  return html`<h2>Stored messages</h2>
    <table id="recipients">
      <thead>
        <tr>
          <th>Recipient</th>
          <th class="n">Messages</th>
          <th class="n">Bytes</th>
          <th class="n">Oldest</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

/** One recipient's stored messages, with the actions an admin may take. */
export function recipientPage(
  aor: string,
  messages: readonly MessageSummary[],
  context: { now: number; role: Role },
): Html {
  const admin = context.role === 'admin';
  const path = `/recipients/${encodeURIComponent(aor)}`;
  const rows = messages.map(
    (m) =>
      html`<tr data-id="${m.id}">
        <td><code>${m.id}</code></td>
        <td>${m.from}</td>
        <td>${m.kind}</td>
        <td>${m.contentType}</td>
        <td class="n">${formatBytes(m.size)}</td>
        <td class="n">${formatAge(context.now - m.createdAt)}</td>
        <td class="n">${m.attempts}</td>
        <td class="n">${formatAge(m.expiresAt - context.now)}</td>
        <td>
          ${admin ? html`<form method="post" action="${path}/messages/${encodeURIComponent(m.id)}/purge"><button>Purge</button></form>` : ''}
        </td>
      </tr>`,
  );
  return html`<h2>${aor}</h2>
    ${admin ? html`<form method="post" action="${path}/retry"><button>Retry delivery now</button></form>` : ''}
    ${
      messages.length === 0
        ? html`<p class="empty">No stored messages.</p>`
        : html`<table id="messages">
            <thead>
              <tr>
                <th>Id</th>
                <th>From</th>
                <th>Kind</th>
                <th>Type</th>
                <th class="n">Size</th>
                <th class="n">Age</th>
                <th class="n">Attempts</th>
                <th class="n">Expires in</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
    }`;
}
