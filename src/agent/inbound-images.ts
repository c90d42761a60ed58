export interface InboundImage {
  mediaType: string;
  /** Base64 without the data: prefix. */
  data: string;
}

/** The largest image a turn keeps (decoded): larger ones are described, so the session file stays bounded. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** A line acceptImages added to a message's text for an image left out (what the session keeps beside the sender's words). */
export const IMAGE_LEFT_OUT_LINE = /^\[image, \d+ MB — too large, images up to \d+ MB are read\]$/;

/** The images a turn keeps, and a line in words for each one left out. */
export function acceptImages(images: readonly InboundImage[]): { kept: InboundImage[]; notes: string[] } {
  const kept: InboundImage[] = [];
  const notes: string[] = [];
  for (const image of images) {
    const bytes = Math.floor((image.data.length * 3) / 4);
    if (bytes > MAX_IMAGE_BYTES) notes.push(`[image, ${Math.round(bytes / (1024 * 1024))} MB — too large, images up to ${MAX_IMAGE_BYTES / (1024 * 1024)} MB are read]`);
    else kept.push({ mediaType: image.mediaType, data: image.data });
  }
  return { kept, notes };
}

/**
 * A message as its session keeps it: its words, then a line for each image left out (acceptImages),
 * and the images kept — the same whether its turn saves it or a journal keeps it until its session can.
 */
export function keptMessage(said: string, images: readonly InboundImage[]): { text: string; images: InboundImage[] } {
  const { kept, notes } = acceptImages(images);
  return { text: notes.length > 0 ? [said, ...notes].filter((line) => line !== "").join("\n") : said, images: kept };
}
