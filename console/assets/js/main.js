import { render, html } from './lib/html.js';
import { App } from './views/app.js';

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
