import { html } from '../lib/html.js';
import { DeadLetters } from './dead-letters.js';
import { Projections } from './projections.js';
import { Sagas } from './sagas.js';
import { Heading } from './parts.js';

/** Where everything stands: the read models, the sagas that need a hand, every saga by type and status. */
export const Overview = ({ params }) => html`
  <main id="main" class="page overview">
    <${Heading}>Overview</${Heading}>
    <div class="overview-grid">
      <${Projections} />
      <${DeadLetters} />
    </div>
    <${Sagas} type=${params.type} status=${params.status} />
  </main>
`;
