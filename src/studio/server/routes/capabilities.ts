import type { Studio } from '../app.js';

/** GET /api/capabilities: what this server can make (ffmpeg exports) and what it could not find. */
export function registerCapabilityRoutes({ app, capabilities, models }: Studio): void {
  app.get('/api/capabilities', async () => ({ ...capabilities, missingModelDirs: models.missingDirs() }));
}
