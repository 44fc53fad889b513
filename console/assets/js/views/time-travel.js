import { ApiError, api, withQuery } from '../lib/api.js';
import { diff } from '../lib/diff.js';
import { KINDS, wholeStream } from '../lib/events.js';
import { compact, count } from '../lib/format.js';
import { Component, html } from '../lib/html.js';
import { reloadOnEvents } from '../lib/live.js';
import { href } from '../lib/router.js';
import { EventLink, Heading, Json, Loading, Problem, StreamLink, TableWrap, Time } from './parts.js';

/** The resource as it stood at a revision or an instant (`?asOf=`), with the revision its ETag names; null before it existed. */
const asOf = async (kind, id, when) => {
  try {
    const answer = await api(withQuery(`${KINDS[kind].path}${encodeURIComponent(id)}`, { asOf: when }));
    return { state: answer.body, revision: /^"?(\d+)"?$/.exec(answer.headers.get('ETag') ?? '')?.[1] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
};

const Changes = ({ changes }) =>
  changes.length === 0
    ? html`<p class="empty">This event changed nothing the API shows of the resource.</p>`
    : html`<${TableWrap} label="What the event changed">
        <table class="changes stacked">
          <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
          <tbody>
            ${changes.map(
              (change) => html`<tr class=${`change-${change.kind}`} data-path=${change.path}>
                <th scope="row" class="mono">${change.path || '(the whole resource)'} <span class="muted small">${change.kind}</span></th>
                <td class="mono before" data-label="Before">${compact(change.before)}</td>
                <td class="mono after" data-label="After">${compact(change.after)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </${TableWrap}>`;

/**
 * An order, product, market or user through time: its stream's revisions one by one, each with the resource as it
 * stood after it (folded from its events by the server, `?asOf=<revision>`) and what that event changed.
 */
export class TimeTravel extends Component {
  state = { events: null, states: {}, error: null, instantError: null };

  componentDidMount() {
    const { kind, id } = this.props.params;
    if (!KINDS[kind] || !id) return;
    this.stream = `${KINDS[kind].stream}${id}`;
    void this.load();
    this.stopLive = reloadOnEvents((event) => event.stream === this.stream, () => this.load());
  }

  componentDidUpdate(previous) {
    if (previous.params.revision !== this.props.params.revision) void this.loadStates();
  }

  componentWillUnmount() {
    this.stopLive?.();
    this.unmounted = true;
  }

  /** The revision shown: the one asked for, else the latest. */
  revision() {
    const { events } = this.state;
    const asked = this.props.params.revision;
    if (asked !== undefined && /^\d+$/.test(asked)) return Number(asked);
    return events && events.length > 0 ? Number(events.at(-1).revision) : undefined;
  }

  load = async () => {
    try {
      const events = await wholeStream(this.stream);
      if (this.unmounted) return;
      this.setState({ events, error: null }, () => void this.loadStates());
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  /** The states at the revision shown and the one before (what the event changed), each asked for once. */
  loadStates = async () => {
    const revision = this.revision();
    if (revision === undefined) return;
    const { kind, id } = this.props.params;
    try {
      const wanted = [revision, revision - 1].filter((at) => at >= 0 && !(at in this.state.states));
      const answers = await Promise.all(wanted.map(async (at) => [at, await asOf(kind, id, String(at))]));
      if (!this.unmounted) this.setState({ states: { ...this.state.states, ...Object.fromEntries(answers) }, error: null });
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  choose = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    location.hash = href(['time-travel'], { kind: form.get('kind'), id: String(form.get('id') ?? '').trim() });
  };

  /** Goes to the revision that stood at an instant (`?asOf=<ISO 8601 instant>`). */
  atInstant = async (event) => {
    event.preventDefault();
    const { kind, id } = this.props.params;
    const when = String(new FormData(event.currentTarget).get('instant') ?? '').trim();
    try {
      const found = await asOf(kind, id, when);
      if (found === null) return this.setState({ instantError: new Error(`the ${kind} did not exist yet at ${when}`) });
      this.setState({ instantError: null });
      location.hash = href(['time-travel'], { kind, id, revision: found.revision });
    } catch (error) {
      this.setState({ instantError: error });
    }
  };

  to = (revision) => href(['time-travel'], { kind: this.props.params.kind, id: this.props.params.id, revision });

  render({ params }, { events, states, error, instantError }) {
    const { kind = 'order', id = '' } = params;
    const form = html`<form class="filters" onSubmit=${this.choose}>
      <label>Resource <select name="kind" value=${kind}>${Object.entries(KINDS).map(([name, { label }]) => html`<option value=${name}>${label}</option>`)}</select></label>
      <label>Id <input name="id" value=${id} required class="wide" placeholder="the resource's id" /></label>
      <button type="submit">Travel</button>
    </form>`;
    const shell = (content) => html`<main id="main" class="page travel"><${Heading}>Time travel</${Heading}>${form}${content}</main>`;
    if (!KINDS[kind] || id === '') return shell(html`<p class="muted">Pick an order, product, market or user by its id, then step through its revisions: the state after each event, and what the event changed.</p>`);
    if (error && !events) return shell(html`<${Problem} error=${error} />`);
    if (!events) return shell(html`<${Loading} what="Loading its events" />`);
    if (events.length === 0) return shell(html`<p class="empty">No ${kind} with this id: its stream <span class="mono">${this.stream}</span> has no events.</p>`);

    const last = Number(events.at(-1).revision);
    const revision = Math.min(this.revision(), last);
    const event = events.find((candidate) => Number(candidate.revision) === revision);
    const now = states[revision];
    const before = revision === 0 ? null : states[revision - 1];
    const loaded = now !== undefined && (revision === 0 || before !== undefined);
    const elsewhere = now?.revision !== undefined && now.revision !== String(revision) ? new Error(`asked for revision ${revision}, the server answered revision ${now.revision}`) : null;
    const step = (label, target, disabled, name) =>
      disabled ? html`<button type="button" class="secondary" disabled aria-label=${name}>${label}</button>` : html`<a class="button-link secondary" href=${this.to(target)} aria-label=${name}>${label}</a>`;
    return shell(html`
      <p class="muted">${KINDS[kind].label} <span class="mono">${id}</span>: stream <${StreamLink} stream=${this.stream} />, ${count(events.length)} ${events.length === 1 ? 'event' : 'events'}.</p>
      <div class="stepper" role="group" aria-label="Revisions">
        ${step('« First', 0, revision === 0, 'First revision')}
        ${step('‹ Previous', revision - 1, revision === 0, 'Previous revision')}
        <span class="at" aria-live="polite">Revision <strong data-revision=${revision}>${revision}</strong> of ${last}</span>
        ${step('Next ›', revision + 1, revision === last, 'Next revision')}
        ${step('Latest »', last, revision === last, 'Latest revision')}
      </div>
      <form class="filters instant" onSubmit=${this.atInstant}>
        <label>Or as it stood at <input name="instant" placeholder="2025-01-31T12:00:00Z" class="wide" /></label>
        <button type="submit" class="secondary">Go</button>
      </form>
      <${Problem} error=${instantError ?? error ?? elsewhere} />
      <div class="travel-grid">
        <nav aria-label="Every revision" class="revisions">
          <ol start="0">
            ${events.map(
              (candidate) => html`<li>
                <a href=${this.to(candidate.revision)} aria-current=${Number(candidate.revision) === revision ? 'true' : undefined}>
                  <span class="rev">${candidate.revision}</span> ${candidate.type}
                </a>
              </li>`,
            )}
          </ol>
        </nav>
        <div class="travel-main">
          ${event
            ? html`<section aria-labelledby="event-heading">
                <h2 id="event-heading">The event: <${EventLink} event=${event} /></h2>
                <p class="muted small">recorded <${Time} at=${event.recordedAt} /></p>
              </section>`
            : null}
          ${loaded
            ? html`<section aria-labelledby="changes-heading">
                  <h2 id="changes-heading">What it changed</h2>
                  <${Changes} changes=${diff(before?.state ?? null, now?.state ?? null)} />
                </section>
                <section aria-labelledby="state-heading">
                  <h2 id="state-heading">The ${kind} after revision ${revision} ${now?.revision !== undefined ? html`<span class="muted small">ETag "${now.revision}"</span>` : null}</h2>
                  ${now === null ? html`<p class="empty">The API does not show the ${kind} at this revision.</p>` : html`<${Json} value=${now.state} label=${`the ${kind} at revision ${revision}`} />`}
                </section>`
            : error || elsewhere
              ? null
              : html`<${Loading} what="Loading the states" />`}
        </div>
      </div>
    `);
  }
}
