import type { ShownImage } from "./port.js";

/** How a message's kept images (base64) are shown; undefined when there are none. */
export function shownImages(images: readonly { mediaType: string; data: string }[] | undefined): ShownImage[] | undefined {
  if (!images || images.length === 0) return undefined;
  // Four base64 characters hold three bytes, less one for each "=" that pads the end.
  return images.map(({ mediaType, data }) => ({ mediaType, bytes: Math.floor((data.length * 3) / 4) - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0) }));
}

/** A waiting message's images as its saved message will show them; nothing when it has none. */
export function imagesOf(images: Parameters<typeof shownImages>[0]): { images?: ShownImage[] } {
  const shown = shownImages(images);
  return shown ? { images: shown } : {};
}
