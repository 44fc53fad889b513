import { KINDS, resourceOfStream, streamPage } from '../lib/events.js';
import { count } from '../lib/format.js';
import { Component, html } from '../lib/html.js';
import { reloadOnEvents } from '../lib/live.js';
import { href } from '../lib/router.js';
import { CorrelationLink, EventLink, Heading, Loading, Problem, TableWrap, Time } from './parts.js';

const PAGE = 50;

/** A stream's events, a page at a time, forwards or backwards (newest first, the default). */
export class StreamView extends Component {
  state = { page: undefined, error: null, typed: '' };

  componentDidMount() {
    if (this.props.stream === '') return;
    void this.load();
    // Newest first from the end: a new event of the stream belongs at the top.
    if ((this.props.params.direction ?? 'backwards') === 'backwards' && this.props.params.cursor === undefined)
      this.stopLive = reloadOnEvents((event) => event.stream === this.props.stream, () => this.load());
  }

  componentWillUnmount() {
    this.stopLive?.();
    this.unmounted = true;
  }

  load = async () => {
    const { direction = 'backwards', cursor } = this.props.params;
    try {
      const page = await streamPage(this.props.stream, { direction, cursor, limit: PAGE });
      if (!this.unmounted) this.setState({ page, error: null });
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  open = (event) => {
    event.preventDefault();
    const stream = new FormData(event.currentTarget).get('stream')?.trim();
    if (stream) location.hash = href(['streams', stream]);
  };

  render({ stream, params }, { page, error }) {
    const direction = params.direction ?? 'backwards';
    const resource = resourceOfStream(stream);
    return html`
      <main id="main" class="page stream">
        <${Heading}>Stream ${stream ? html`<span class="mono">${stream}</span>` : null}</${Heading}>
        <form class="filters" onSubmit=${this.open}>
          <label>Stream <input name="stream" value=${stream} placeholder="order-…" class="wide" /></label>
          <button type="submit">Open</button>
        </form>
        ${stream === ''
          ? null
          : html`<p class="stream-nav">
              <a href=${href(['streams', stream], { direction: 'backwards' })} aria-current=${direction === 'backwards' && !params.cursor ? 'page' : undefined}>Newest first</a>
              · <a href=${href(['streams', stream], { direction: 'forwards' })} aria-current=${direction === 'forwards' && !params.cursor ? 'page' : undefined}>Oldest first</a>
              ${resource ? html` · <a href=${href(['time-travel'], { kind: resource.kind, id: resource.id })}>Time travel this ${KINDS[resource.kind].label.toLowerCase()}</a>` : null}
            </p>`}
        <${Problem} error=${error} />
        ${stream !== '' && page === undefined && !error ? html`<${Loading} what="Loading the stream" />` : null}
        ${page === null ? html`<p class="empty">This stream has no events.</p>` : null}
        ${page
          ? html`<${TableWrap} label="The stream's events">
              <table class="events stacked">
                <thead><tr><th scope="col" class="num">Revision</th><th scope="col">Event</th><th scope="col">Recorded</th><th scope="col">Correlation</th></tr></thead>
                <tbody>
                  ${page.items.map(
                    (event) => html`<tr key=${event.eventId}>
                      <td class="num" data-label="Revision">${count(event.revision)}</td>
                      <td data-label="Event"><${EventLink} event=${event} /></td>
                      <td data-label="Recorded"><${Time} at=${event.recordedAt} /></td>
                      <td data-label="Correlation"><${CorrelationLink} id=${event.metadata.correlationId} /></td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </${TableWrap}>`
          : null}
        ${page?.nextCursor ? html`<p><a class="button-link secondary" href=${href(['streams', stream], { direction, cursor: page.nextCursor })}>Next page</a></p>` : null}
      </main>
    `;
  }
}
