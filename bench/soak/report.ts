/** The soak's figures: one line per run on the terminal, and a Markdown page per run in bench/results/. */
import type { SoakResult } from './run-soak.js';

const TOKENS = ['tok_visa', 'tok_flaky', 'tok_declined', 'tok_timeout'];
const OUTCOMES = ['confirmed', 'insufficient_stock', 'payment_declined', 'payment_timeout', 'customer_request'];

const count = (value: number) => value.toLocaleString('en-GB');
const median = (values: readonly number[]) => (values.length === 0 ? 0 : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);

export const acknowledgedOrders = (result: SoakResult): number =>
  Object.values(result.orders.outcomes).reduce((sum, outcomes) => sum + Object.values(outcomes).reduce((total, each) => total + each, 0), 0);

export const summaryLine = (result: SoakResult): string =>
  `${result.profile}: ${count(result.client.requests)} requests (${count(result.client.unanswered)} unanswered, ${count(result.client.retried)} retried), ` +
  `${result.kills} kills, ${result.serverStarts - 1} restarts, ${result.redisRestarts.length} Redis restarts, ` +
  `${count(acknowledgedOrders(result))} orders, ${count(result.adjustments)} adjustments, ${count(result.markets.positions)} positions on ${result.markets.markets} markets, ` +
  `${result.violations.length} violations`;

export const markdown = (result: SoakResult, context: { commit: string; machine: string }): string => {
  const { options } = result;
  const lines = [
    `# Soak: ${result.profile} profile`,
    '',
    `${result.startedAt} · ${context.machine} · commit ${context.commit} · ${result.elapsedSeconds.toFixed(0)} s in all`,
    '',
    `\`npm run soak -- --minutes ${(options.seconds / 60).toFixed(options.seconds % 60 === 0 ? 0 : 1)} --profile ${result.profile}\`: ${options.customers} customers ` +
      '(registering, ordering with all four payment tokens, cancelling, betting) and an admin (adjusting stock, opening, closing and resolving markets) ' +
      `against \`node --import tsx src/main.ts\`${result.profile === 'redis' ? ' with Redis (jobs, idempotency keys, rate limits) and FerretDB (read models)' : ' (embedded: SQLite, in-process jobs)'}, ` +
      `for ${options.seconds} s, while the server was SIGKILLed and started again${result.profile === 'redis' ? ' and Redis restarted' : ''} at random moments (seed ${options.seed}). ` +
      `PAYMENT_TIMEOUT_MS=${options.paymentTimeoutMs}, PAYMENT_GATEWAY_TIMEOUT_MS=1000, SAGA_ATTEMPTS=12. Every command carries an Idempotency-Key and is sent again with it until it gets a final answer. ` +
      'Then the load stops, the open markets are resolved, and once no order is pending, no saga running and every projection caught up, ' +
      'the server is stopped and everything is checked against the API, the event store and the payment simulator’s ledger (payments.sqlite).',
    '',
    '| Figure | Value |',
    '|---|--:|',
    `| HTTP requests (retries included) | ${count(result.client.requests)} |`,
    `| requests unanswered (the server was down) | ${count(result.client.unanswered)} |`,
    `| commands sent again under their Idempotency-Key | ${count(result.client.retried)} |`,
    `| answers replayed from the first (Idempotent-Replayed) | ${count(result.client.replayed)} |`,
    `| answers taken as "try again", by status | ${Object.entries(result.client.retryStatuses).map(([status, times]) => `${status}: ${count(times)}`).join(', ') || 'none'} |`,
    `| server SIGKILLs | ${result.kills} |`,
    `| server starts after a kill, seconds until ready (median, max) | ${result.serverStarts - 1} (${median(result.restartSeconds).toFixed(1)}, ${Math.max(0, ...result.restartSeconds).toFixed(1)}) |`,
    `| Redis restarts | ${result.redisRestarts.length === 0 ? '—' : result.redisRestarts.map((kind) => (kind === 'kept' ? 'with its data' : 'empty')).join(', ')} |`,
    `| customers registered | ${count(result.customers)} |`,
    `| orders acknowledged (202) / placed in the event store | ${count(acknowledgedOrders(result))} / ${count(result.orders.placed)} |`,
    `| orders placed twice by a retry | ${result.orders.doubled} |`,
    `| cancellations asked by customers | ${count(result.orders.cancelsAsked)} |`,
    `| charges in the simulator's ledger / refunded | ${count(result.orders.charges)} / ${count(result.orders.refunds)} |`,
    `| stock adjustments stored | ${count(result.adjustments)} |`,
    `| markets resolved / positions / staked / paid out / all stakes back | ${result.markets.markets} / ${count(result.markets.positions)} / ${count(result.markets.staked)} / ${count(result.markets.paidOut)} / ${result.markets.refundedMarkets} |`,
    `| read-model documents compared with a rebuild | ${count(result.readModelDocuments)} |`,
    `| error lines the server logged | ${count(result.serverErrorLines)} |`,
    `| **violations** | **${result.violations.length}** |`,
    '',
    'Orders by payment token and outcome:',
    '',
    `| token | ${OUTCOMES.join(' | ')} |`,
    `|---|${OUTCOMES.map(() => '--:').join('|')}|`,
    ...TOKENS.map((token) => `| ${token} | ${OUTCOMES.map((outcome) => count(result.orders.outcomes[token]?.[outcome] ?? 0)).join(' | ')} |`),
    '',
    'Checked: every acknowledged order final with the reason its token allows (a customer’s cancel aside); no order placed that no acknowledged request placed; ' +
      'stock per product = initial + adjustments − what confirmed orders hold, nothing left reserved, available never below 0 in the product’s events; ' +
      'every acknowledged adjustment stored once, a refused one never; at most one charge per order, confirmed orders charged their total and not refunded, ' +
      'cancelled ones refunded or never charged, declined and timed-out tokens never charged; every market resolved, every position paid once as the parimutuel rule says ' +
      '(in the event store and in each customer’s GET /markets/:id/positions/me); no saga failed or left running; every read model equal to a fresh rebuild from the event store.',
    '',
    'Faults, in seconds from the start of the load:',
    '',
    ...result.faults.map((line) => `- ${line}`),
    '',
  ];
  if (result.violations.length > 0) lines.push('Violations (the first 50):', '', ...result.violations.slice(0, 50).map((violation) => `- ${violation}`), '');
  if (result.serverErrors.length > 0) lines.push('Error lines the server logged (the first 10):', '', '```', ...result.serverErrors.map((line) => line.slice(0, 1500)), '```', '');
  return lines.join('\n');
};
