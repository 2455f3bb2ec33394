// Headless Chromium for the end-to-end tests and the scripts that drive the page: the system's /usr/bin/chromium
// (or $CHROMIUM) through playwright-core, whose own browser download cannot work here, with the flags that keep it
// quiet and off the network.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches headless Chromium. */
export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}
