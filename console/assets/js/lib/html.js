// Preact and htm, as the ES modules their packages ship (served from node_modules by the platform): tagged
// templates instead of JSX, so the browser runs these files as they are, with no build step.
import { Component, createRef, Fragment, h, render } from '../../vendor/preact.mjs';
import htm from '../../vendor/htm.mjs';

export const html = htm.bind(h);
export { Component, createRef, Fragment, render };
