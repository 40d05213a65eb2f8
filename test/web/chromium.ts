import { existsSync } from 'node:fs';

/** Debian's Chromium (never a downloaded browser); LATENTLAB_CHROMIUM overrides the path. */
export const CHROMIUM = process.env.LATENTLAB_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`Chromium missing on CI: ${CHROMIUM} (apt-get install chromium)`);
