import type { RenderedImage } from '../api.js';

/**
 * Runs image requests for one <img>, newest wins: a request started while another is in flight
 * aborts the older one, so dragging a slider never shows a stale frame last.
 */
export function imageRequests(
  img: HTMLImageElement,
  onShown: (r: RenderedImage) => void,
  onError: (e: Error) => void,
): (make: (signal: AbortSignal) => Promise<RenderedImage>) => Promise<void> {
  let current: AbortController | null = null;
  let shownUrl: string | null = null;
  return async (make) => {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    try {
      const r = await make(controller.signal);
      if (controller.signal.aborted) {
        URL.revokeObjectURL(r.url);
        return;
      }
      await new Promise<void>((resolve) => {
        img.onload = () => resolve();
        img.onerror = () => resolve();
        img.src = r.url;
      });
      if (shownUrl) URL.revokeObjectURL(shownUrl);
      shownUrl = r.url;
      img.dataset.version = String(Number(img.dataset.version ?? '0') + 1);
      onShown(r);
    } catch (e) {
      if (!controller.signal.aborted) onError(e as Error);
    }
  };
}
