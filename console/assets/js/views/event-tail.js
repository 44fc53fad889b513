import { withQuery } from '../lib/api.js';
import { count } from '../lib/format.js';
import { Component, html } from '../lib/html.js';
import { href } from '../lib/router.js';
import { session } from '../lib/session.js';
import { followEvents } from '../lib/sse.js';
import { CorrelationLink, EventLink, Heading, Problem, StreamLink, TableWrap, Time } from './parts.js';

/** The tail keeps the newest events only; older ones are a page of $all away (from position …). */
const KEEP = 500;

const STATUS_WORDS = { connecting: 'Connecting…', live: 'Following live', reconnecting: 'Reconnecting…', stopped: 'Paused' };

/**
 * A live tail of $all, filtered by type, stream prefix or correlation id: the server-sent events of GET
 * /api/v1/events, from now, from the start, or from a position.
 */
export class EventTail extends Component {
  state = { events: [], status: 'connecting', error: null, paused: false };
  /** Events come faster than a page repaints: they are shown a frame at a time. */
  arrived = [];

  componentDidMount() {
    this.follow();
  }

  componentWillUnmount() {
    cancelAnimationFrame(this.flush);
    this.follower?.stop();
    this.unmounted = true;
  }

  /** From now: no start (the server follows from the head); from the start: position 0; else from the position given. */
  follow() {
    const { type, streamPrefix, correlationId, from = 'now' } = this.props.params;
    const fromPosition = from === 'now' ? undefined : from === 'start' ? '0' : from;
    this.follower = followEvents(withQuery('/api/v1/events', { type, streamPrefix, correlationId, fromPosition }), {
      token: () => session.token(),
      onEvent: (event) => {
        if (this.state.paused) return;
        this.arrived.push(event);
        this.flush ??= requestAnimationFrame(() => {
          const arrived = this.arrived.reverse();
          this.arrived = [];
          this.flush = undefined;
          this.setState((state) => ({ events: [...arrived, ...state.events].slice(0, KEEP) }));
        });
      },
      onStatus: (status, error) => this.setState({ status, error: status === 'reconnecting' ? error : null }),
      onUnauthorized: () => session.end('The server refused your token (expired or revoked): sign in again.'),
    });
  }

  apply = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fromChoice = form.get('from');
    const from = fromChoice === 'position' ? String(form.get('position') ?? '').trim() || '0' : fromChoice;
    location.hash = href(['events'], { type: form.get('type')?.trim(), streamPrefix: form.get('streamPrefix')?.trim(), correlationId: form.get('correlationId')?.trim(), from });
  };

  render({ params }, { events, status, error, paused }) {
    const from = params.from ?? 'now';
    const fromChoice = from === 'now' || from === 'start' ? from : 'position';
    return html`
      <main id="main" class="page tail">
        <${Heading}>Event browser</${Heading}>
        <p class="muted">Every event of the store ($all) as it is appended, newest first. Filter it, open an event, follow a stream.</p>
        <form class="filters tail-filters" onSubmit=${this.apply}>
          <label>Type <input name="type" value=${params.type ?? ''} placeholder="OrderConfirmed" /></label>
          <label>Stream prefix <input name="streamPrefix" value=${params.streamPrefix ?? ''} placeholder="order-" /></label>
          <label>Correlation id <input name="correlationId" value=${params.correlationId ?? ''} class="wide" /></label>
          <fieldset>
            <legend>From</legend>
            <label class="inline"><input type="radio" name="from" value="now" checked=${fromChoice === 'now'} /> now</label>
            <label class="inline"><input type="radio" name="from" value="start" checked=${fromChoice === 'start'} /> the start</label>
            <label class="inline"><input type="radio" name="from" value="position" checked=${fromChoice === 'position'} /> position</label>
            <input name="position" aria-label="from position" inputmode="numeric" pattern="[0-9]*" value=${fromChoice === 'position' ? from : ''} class="narrow" />
          </fieldset>
          <button type="submit">Apply</button>
        </form>
        <div class="tail-bar">
          <span role="status" class=${`live live-${paused ? 'stopped' : status}`}>${paused ? 'Paused' : (STATUS_WORDS[status] ?? status)}</span>
          <span class="muted">${count(events.length)} ${events.length === 1 ? 'event' : 'events'}${events.length === KEEP ? ' (the newest kept)' : ''}</span>
          <button type="button" class="secondary" onClick=${() => this.setState({ paused: !paused })}>${paused ? 'Resume' : 'Pause'}</button>
          <button type="button" class="secondary" onClick=${() => this.setState({ events: [] })}>Clear</button>
        </div>
        <${Problem} error=${error} />
        ${events.length === 0
          ? html`<p class="empty">${from === 'now' ? 'Waiting for the next event…' : 'No event matches yet.'}</p>`
          : html`<${TableWrap} label="Events">
              <table class="events tail-events stacked">
                <thead><tr><th scope="col">Event</th><th scope="col">Recorded</th><th scope="col">Stream</th><th scope="col">Correlation</th></tr></thead>
                <tbody>
                  ${events.map(
                    (event) => html`<tr key=${event.eventId} data-type=${event.type}>
                      <td data-label="Event"><${EventLink} event=${event} /></td>
                      <td data-label="Recorded"><${Time} at=${event.recordedAt} /></td>
                      <td data-label="Stream"><${StreamLink} stream=${event.stream} /> <span class="muted">r${event.revision}</span></td>
                      <td data-label="Correlation"><${CorrelationLink} id=${event.metadata.correlationId} /></td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </${TableWrap}>`}
      </main>
    `;
  }
}
