import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { pendingByDesign } from '../support/pending-by-design.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when it is missing). */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags a headless Chromium needs to run as root in a container, and to ask nothing of the network. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });

/**
 * undefined where Chromium is installed (the suite runs); else a recorder of the suite's cases, pending by design. CI
 * sets `CI` and installs Chromium, so a suite pending there fails the run (.ci/run).
 */
export const browserPending = (suite: string): { add(test: string): void } | undefined =>
  existsSync(CHROMIUM) ? undefined : pendingByDesign(suite, { needs: 'CI', reason: `no Chromium at ${CHROMIUM}: apt-get install -y chromium to run` });
