import { count, instant, shortId } from '../lib/format.js';
import { href } from '../lib/router.js';
import { html } from '../lib/html.js';

/** A status as a word in a coloured pill: the word carries the meaning, the colour only helps. */
export const Status = ({ value }) => html`<span class="status status-${value}">${value}</span>`;

export const Time = ({ at }) => html`<time datetime=${at} title=${at}>${instant(at)}</time>`;

/** A link to an event's page, named by its type and position. */
export const EventLink = ({ event, label }) =>
  html`<a href=${href(['events', event.position])} class="event-link" title=${`event ${event.eventId} at position ${event.position}`}
    >${label ?? html`${event.type} <span class="muted">#${count(event.position)}</span>`}</a
  >`;

export const StreamLink = ({ stream }) => html`<a href=${href(['streams', stream])} class="mono">${stream}</a>`;

export const SagaLink = ({ id }) => html`<a href=${href(['sagas', id])} class="mono" title=${id}>${shortId(id)}</a>`;

export const CorrelationLink = ({ id }) =>
  html`<a href=${href(['events'], { correlationId: id, from: 'start' })} class="mono" title=${`every event of correlation ${id}`}>${shortId(id)}</a>`;

/** JSON, pretty-printed, in a block that scrolls by itself (and takes focus, so a keyboard can scroll it). */
export const Json = ({ value, label }) => html`<pre class="json" tabindex="0" aria-label=${label}><code>${JSON.stringify(value, null, 2)}</code></pre>`;

/** A wide table in a region that scrolls sideways on a narrow screen rather than widening the page. */
export const TableWrap = ({ label, children }) => html`<div class="table-wrap" role="region" aria-label=${label} tabindex="0">${children}</div>`;

export const Problem = ({ error }) => (error ? html`<p class="problem" role="alert">${error.message ?? String(error)}</p>` : null);

export const Loading = ({ what = 'Loading' }) => html`<p class="muted" aria-busy="true">${what}…</p>`;

/** The view's heading: focused when the view opens, so that keyboard and screen-reader users start there. */
export const Heading = ({ children }) => html`<h1 tabindex="-1" id="view-heading">${children}</h1>`;
